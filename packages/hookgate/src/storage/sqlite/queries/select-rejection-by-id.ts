import { REJECTION_COLUMNS } from './rejection-columns.ts'

/** One rejection by its public id (`rej_…`), with its captured request. */
export const SELECT_REJECTION_BY_ID = `-- Params: @id TEXT
SELECT ${REJECTION_COLUMNS}, captured_method, captured_url, captured_body, captured_truncated, captured_sealed
FROM rejections
WHERE id = @id`
