// The status lists, once: the unions in types.ts, the server's schemas and the job-count shapes are
// built from these (docs/architecture.md §2.5).

/** Every state an experiment row can be in, in the order of its life. */
export const EXPERIMENT_STATUSES = ['created', 'running', 'stopping', 'stopped', 'finished', 'failed'] as const;

/** Every state a job row can be in; `early_stopped` and `interrupted` are ends that are not failures. */
export const JOB_STATUSES = ['queued', 'running', 'finished', 'failed', 'early_stopped', 'interrupted'] as const;
