// The status lists, once: the unions in types.ts, the server's schemas and the job-count shapes are
// built from these (docs/architecture.md §2.5).

/** Every state an experiment row can be in, in the order of its life. */
export const EXPERIMENT_STATUSES = ['created', 'running', 'stopping', 'stopped', 'finished', 'failed'] as const;

/** Every state a job row can be in; `early_stopped` and `interrupted` are ends that are not failures. */
export const JOB_STATUSES = ['queued', 'running', 'finished', 'failed', 'early_stopped', 'interrupted'] as const;

/**
 * Why an experiment ended (its `stop_reason`, docs/reference/config.md#stop): `n_samples` (all its
 * jobs ran), `exhausted` (the proposer had nothing more to propose), `target_score`, `patience` and
 * `time_budget` (its stop rules), `user` (Ctrl-C, a stop request, an aborted signal), `failure` (a
 * job failed without ignore_fail, or the runner failed). `target_score`, `patience`, `n_samples` and
 * `exhausted` end it `finished`; `time_budget` and `user` `stopped` (resumable); `failure` `failed`.
 */
export const STOP_REASONS = ['n_samples', 'exhausted', 'target_score', 'patience', 'time_budget', 'user', 'failure'] as const;
