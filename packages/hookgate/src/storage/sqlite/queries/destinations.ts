/**
 * Disables or re-enables a destination. Disabling an already disabled one keeps its first time and reason;
 * re-enabling clears both.
 */
export const UPSERT_DESTINATION_STATE = `-- Params: @id TEXT, @disabled INTEGER (0|1), @disabledAt INTEGER|NULL (ms), @disabledReason TEXT|NULL
INSERT INTO destinations (id, disabled, disabled_at, disabled_reason)
VALUES (@id, @disabled, @disabledAt, @disabledReason)
ON CONFLICT (id) DO UPDATE SET
  disabled_at = CASE WHEN excluded.disabled = 1 AND destinations.disabled = 1 THEN destinations.disabled_at ELSE excluded.disabled_at END,
  disabled_reason = CASE WHEN excluded.disabled = 1 AND destinations.disabled = 1 THEN destinations.disabled_reason ELSE excluded.disabled_reason END,
  disabled = excluded.disabled`

/** Every destination with a stored state. */
export const LIST_DESTINATION_STATES = `-- Params: none
SELECT id, disabled, disabled_at, disabled_reason FROM destinations ORDER BY id`
