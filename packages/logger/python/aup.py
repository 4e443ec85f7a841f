"""aup's Python client: report results from a training script to aup.

A drop-in for the client side of Auptimizer's ``aup`` module, so Auptimizer scripts run unchanged
(``print_result``, ``BasicConfig``, ``aup_args``, ``aup_flags``, ``aup_save_model``), plus aup's
richer records (``add_scalar``, ``add_text``, ``add_histogram``, ``add_image``, ``add_artifact``,
``print_result(score, metrics={...})``). Standard library only; Python 3.8 or later.

The lines this module prints are specified in docs/reference/protocol.md. Every protocol line goes
to stderr, as Auptimizer's ``print_result`` did, so the order of a script's records is kept.
"""

import functools
import inspect
import json
import logging
import math
import numbers
import os
import pickle
import shutil
import sys
import threading

__version__ = "0.1.0"

__all__ = [
    "BasicConfig",
    "add_artifact",
    "add_histogram",
    "add_image",
    "add_scalar",
    "add_text",
    "aup_args",
    "aup_flags",
    "aup_save_model",
    "get_params",
    "job_id",
    "print_result",
    "should_save",
]

logger = logging.getLogger("aup")

AUPTIMIZER_PREFIX = "#Auptimizer:"
AUP_PREFIX = "#aup:"
# Same limit as the parser's MAX_NAME_LENGTH: names become labels in the store and on the board.
MAX_NAME_LENGTH = 256
MODELS_DIR = "aup_models"
# Keys a job's JSON may hold next to the hyperparameters that are no hyperparameter: ``n_iterations``,
# ``save_model`` and ``folder_name`` as Auptimizer wrote them; ``job_id``, ``budget`` and ``best_job``
# with the config's ``job_file_keys: "aup"``. ``@aup_args`` does not warn that they go unused.
RESERVED_KEYS = ("job_id", "n_iterations", "budget", "save_model", "folder_name", "best_job")
_SUPPORTED_FORMATS = ("json", "pkl")

# One lock for all protocol output, so records written from several threads never interleave.
_write_lock = threading.Lock()

_save_callback = None
_save_args = ()
_save_kwargs = {}


def _emit(line):
    with _write_lock:
        sys.stderr.write(line)
        sys.stderr.flush()


# ---------------------------------------------------------------------------------------------------
# Numbers on the wire


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _wire_number(value, what):
    """A number for a ``#aup:`` record: finite as is, non-finite as "NaN" / "Infinity" / "-Infinity"."""
    if not _is_number(value):
        raise TypeError("%s must be a number, got %r" % (what, value))
    value = float(value) if not isinstance(value, int) else int(value)
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "NaN"
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _finite(value, what):
    if not _is_number(value):
        raise TypeError("%s must be a number, got %r" % (what, value))
    value = float(value) if not isinstance(value, int) else int(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("%s must be a finite number, got %r" % (what, value))
    return value


def _name(value, what="name"):
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_LENGTH:
        raise ValueError("%s must be a non-empty string of at most %d characters, got %r" % (what, MAX_NAME_LENGTH, value))
    return value


def _step(value):
    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
        raise ValueError("step must be a non-negative integer or None, got %r" % (value,))
    return int(value)


def _path(value):
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise ValueError("path must be a non-empty string, got %r" % (value,))
    return value


def _write_record(record):
    # ensure_ascii keeps the line intact whatever encoding stderr has; allow_nan=False because
    # non-finite numbers were already turned into the strings the protocol defines.
    _emit(AUP_PREFIX + json.dumps(record, separators=(",", ":"), ensure_ascii=True, allow_nan=False) + "\n")


# ---------------------------------------------------------------------------------------------------
# Auptimizer's API


def print_result(result, metrics=None):
    """Report a result.

    ``print_result(score)`` or ``print_result([score, m1, m2])`` writes Auptimizer's line
    ``#Auptimizer:<score>[,<m1>,...]`` (extra values are named by ``multi_res_labels``); call it
    once per epoch to report intermediate results, the last call is the final result.
    ``print_result(score, metrics={"f1": 0.9})`` writes an aup result record with named metrics.
    With several objectives (a list ``target``) the first values of the list are the objectives,
    in the config's order: ``print_result([0.91, 12.5])``, or with metrics
    ``print_result([0.91, 12.5], metrics={...})`` (an aup record whose value is the list).
    """
    if metrics is not None:
        if not isinstance(metrics, dict):
            raise TypeError("metrics must be a dict of name -> number, got %r" % (metrics,))
        if isinstance(result, (list, tuple)):
            if len(result) == 0:
                raise TypeError("result must be a number or a non-empty list of numbers, got []")
            value = [_wire_number(r, "result[%d]" % i) for i, r in enumerate(result)]
        else:
            value = _wire_number(result, "result")
        record = {"type": "result", "value": value}
        record["metrics"] = {_name(k, "metric name"): _wire_number(v, "metric %r" % (k,)) for k, v in metrics.items()}
        _write_record(record)
        return
    if isinstance(result, (list, tuple)):
        text = ",".join(str(r) for r in result)
    else:
        text = str(result).lstrip()
    # The leading newline is Auptimizer's: it ends any partial line (a progress bar) already on stderr.
    _emit("\n%s%s\n" % (AUPTIMIZER_PREFIX, text))


class _MissingKey(KeyError, AttributeError):
    """Raised for a missing key read as an attribute: a KeyError as in Auptimizer, and an
    AttributeError so that ``getattr(config, name, default)``, ``hasattr`` and ``copy`` work."""


class BasicConfig(dict):
    """A dict whose keys are also attributes, loaded from and saved to JSON or pickle files.

    ``BasicConfig(lr=0.1).lr == 0.1``; ``BasicConfig().load("jobs/1.json")``.
    """

    def load(self, filename):
        """Update this config from a .json or .pkl file holding a dict; returns self."""
        fmt = BasicConfig._get_format(filename)
        if fmt == "json":
            with open(filename, "r") as f:
                data = json.load(f)
        else:
            with open(filename, "rb") as f:
                data = pickle.load(f)
        if not isinstance(data, dict):
            raise TypeError("Config must be dict: %s holds %s" % (filename, type(data).__name__))
        self.update(data)
        logger.debug("Load config from %s: %s", filename, data)
        return self

    def save(self, filename):
        """Write this config to a .json or .pkl file."""
        fmt = BasicConfig._get_format(filename)
        if fmt == "json":
            with open(filename, "w") as f:
                json.dump(self, f)
        else:
            with open(filename, "wb") as f:
                pickle.dump(dict(self), f)
        logger.debug("Config saved to %s", filename)

    @staticmethod
    def _get_format(filename):
        name = os.fspath(filename).split(".")[-1].lower()
        if name not in _SUPPORTED_FORMATS:
            raise ValueError("Un-support file format, choose from %s." % ",".join(_SUPPORTED_FORMATS))
        return name

    def to_flags(self, FLAGS):  # noqa: N803 - absl's name
        """Set the values of absl/TensorFlow FLAGS that this config names."""
        for name in FLAGS:
            if name in self:
                setattr(FLAGS, name, self[name])

    def __getattr__(self, key):
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise _MissingKey(key) from None

    def __setattr__(self, key, value):
        self[key] = value

    def __delattr__(self, key):
        try:
            del self[key]
        except KeyError:
            raise _MissingKey(key) from None


def aup_save_model(callback_fn, *args, **kwargs):
    """Register ``callback_fn(*args, **kwargs)`` to save the model; ``@aup_args`` calls it after the
    function returns, inside ``aup_models/<folder_name>``, when the job asks to save (``save_model``)."""
    global _save_callback, _save_args, _save_kwargs
    _save_callback = callback_fn
    _save_args = args
    _save_kwargs = kwargs


def _load_config(source):
    if source is None:
        return get_params()
    if isinstance(source, dict):
        return BasicConfig(source)
    return BasicConfig().load(source)


def _init_functions(module_globals):
    # Auptimizer calls every function of the caller's module whose name contains "init" (sorted by
    # name) with the whole config before the decorated function. Unlike Auptimizer, only functions
    # defined in that module are called, not ones it imported (e.g. a library's `init_weights`).
    module_name = module_globals.get("__name__")
    found = []
    for name, value in list(module_globals.items()):
        if "init" in name and inspect.isfunction(value) and value.__module__ == module_name:
            found.append((name, value))
    return sorted(found, key=lambda item: item[0])


def _model_folder(config):
    folder = config.get("folder_name")
    if not isinstance(folder, str) or folder in ("", ".", "..") or "/" in folder or "\\" in folder or "\0" in folder:
        raise ValueError("folder_name in the job config must be a plain folder name when save_model is true, got %r" % (folder,))
    return os.path.join(MODELS_DIR, folder)


def _run_save_callback(config):
    if config.get("save_model") is not True or _save_callback is None:
        return
    folder = _model_folder(config)
    previous = os.getcwd()
    if os.path.exists(folder):
        logger.warning("Deleting %s", folder)
        shutil.rmtree(folder)
    os.makedirs(folder)
    os.chdir(folder)
    try:
        _save_callback(*_save_args, **_save_kwargs)
    finally:
        os.chdir(previous)


def aup_args(func):
    """Decorator: call ``func`` with the hyperparameters of the job and report what it returns.

    ``@aup_args def main(x, y=2): ...`` then ``main(sys.argv[1])`` (Auptimizer's way) or ``main()``
    (the job file is the last command-line argument, else ``AUP_PARAMS``). Keyword arguments given
    to the call override the job's values. Parameters missing from the job take their defaults; a
    parameter with no default that the job lacks raises ValueError. A ``**kwargs`` parameter
    receives every value of the job. The return value (a number or a list, as for ``print_result``)
    is reported unless it is None, and returned.
    """

    @functools.wraps(func)
    def wrapper(filename=None, **kwargs):
        caller_globals = sys._getframe(1).f_globals
        config = _load_config(filename)
        if kwargs:
            logger.warning("Overwriting config values from script, be cautious!")
            config.update(kwargs)

        parameters = inspect.signature(func).parameters
        takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        named = {
            name: p
            for name, p in parameters.items()
            if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        }
        for name, p in named.items():
            if name not in config:
                if p.default is inspect.Parameter.empty:
                    raise ValueError(
                        "`%s` is required in `%s()` but is not assigned in config file %s"
                        % (name, func.__name__, filename if filename is not None else "(job parameters)")
                    )
                logger.info("Using default value for %s", name)
        # After the check (Auptimizer called them before it), so a missing parameter is reported
        # as such rather than as whatever an init function fails with.
        for _, init in _init_functions(caller_globals):
            init(**config)
        if takes_all:
            run_config = dict(config)
        else:
            run_config = {}
            for key in config:
                if key in named:
                    run_config[key] = config[key]
                elif key not in RESERVED_KEYS:
                    logger.warning("%s is not used in optimization", key)

        value = func(**run_config)
        if value is not None:
            print_result(value)
        _run_save_callback(config)
        return value

    return wrapper


def aup_flags(flags):
    """Decorator for an absl/TensorFlow ``main(argv)``: sets the FLAGS named in the job file (the
    last element of argv) before calling it, and reports what it returns.

    The wrapper returns None, as Auptimizer's did: ``app.run(main)`` exits with what ``main``
    returns, so a returned score would make every job exit 1 and fail. An exception in ``main``
    still propagates, so a failing script exits non-zero."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(argv=None):
            argv = list(argv) if argv is not None else sys.argv
            config = _load_config(argv[-1] if len(argv) > 1 else None)
            for key, value in config.items():
                if key in flags:
                    setattr(flags, key, value)
            value = func(argv) if inspect.signature(func).parameters else func()
            if value is not None:
                print_result(value)

        return wrapper

    return decorator


# ---------------------------------------------------------------------------------------------------
# Job parameters


def _params_file():
    args = sys.argv[1:]
    if args and args[-1].lower().endswith((".json", ".pkl")):
        return args[-1]
    return None


def _try_params():
    path = _params_file()
    if path is not None:
        return BasicConfig().load(path)
    text = os.environ.get("AUP_PARAMS")
    if text:
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ValueError("aup: the environment variable AUP_PARAMS is not valid JSON: %s" % e) from e
        if not isinstance(data, dict):
            raise TypeError("aup: AUP_PARAMS must hold a JSON object, found %s" % type(data).__name__)
        return BasicConfig(data)
    return None


def get_params():
    """The job's parameters as a BasicConfig: the .json (or .pkl) file given as the last
    command-line argument (Auptimizer's contract), else the ``AUP_PARAMS`` environment variable."""
    params = _try_params()
    if params is None:
        raise RuntimeError(
            "aup: no job parameters: expected the path of a job JSON file as the last command-line "
            "argument, or the AUP_PARAMS environment variable; found arguments %r and no AUP_PARAMS" % (sys.argv[1:],)
        )
    return params


def job_id():
    """The job id: ``AUP_JOB_ID``, which the runner sets for every attempt, else the job file's
    ``job_id`` (there with ``job_file_keys: "aup"``, or in a file of an older aup); None when the
    script was not started by aup."""
    try:
        return int(os.environ["AUP_JOB_ID"])
    except (KeyError, ValueError):
        pass
    params = _try_params()
    value = params.get("job_id") if params is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def should_save():
    """Whether this run is the best job's re-run that should save its model (``save_model: true``)."""
    params = _try_params()
    return params is not None and params.get("save_model") is True


# ---------------------------------------------------------------------------------------------------
# aup's richer records


def add_scalar(name, value, step=None):
    """Record one point of the series ``name``; without ``step`` the runner numbers them 0, 1, 2, ..."""
    record = {"type": "scalar", "name": _name(name)}
    step = _step(step)
    if step is not None:
        record["step"] = step
    record["value"] = _wire_number(value, "value")
    _write_record(record)


def add_text(name, text):
    """Record a named piece of text."""
    if not isinstance(text, str):
        raise TypeError("text must be a string, got %r" % (text,))
    _write_record({"type": "text", "name": _name(name), "text": text})


def add_histogram(name, values, step=None):
    """Record raw samples (finite numbers: a list, or a NumPy array or tensor, flattened)."""
    if hasattr(values, "ravel"):
        values = values.ravel()
    if hasattr(values, "tolist"):
        values = values.tolist()
    values = [_finite(v, "histogram value") for v in values]
    if not values:
        raise ValueError("values must not be empty")
    record = {"type": "histogram", "name": _name(name)}
    step = _step(step)
    if step is not None:
        record["step"] = step
    record["values"] = values
    _write_record(record)


def add_image(name, path, step=None):
    """Record an image file the script wrote (relative to the working directory, or absolute)."""
    record = {"type": "image", "name": _name(name)}
    step = _step(step)
    if step is not None:
        record["step"] = step
    record["path"] = _path(path)
    _write_record(record)


def add_artifact(path, name=None):
    """Record a file to keep with the job (a model, a report)."""
    record = {"type": "artifact", "path": _path(path)}
    if name is not None:
        record["name"] = _name(name)
    _write_record(record)
