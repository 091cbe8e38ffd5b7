/** The columns every rejection read returns. */
export const REJECTION_COLUMNS = `seq, id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256,
  diagnosed, diagnosis, octet_length(captured_body) AS captured_bytes`

/** Inserts the rows of `$1` (a JSON array as `rejectionInput` builds, in `ord` order): the head of INSERT_REJECTIONS and IMPORT_REJECTIONS. */
export const INSERT_REJECTION_ROWS = `INSERT INTO {schema}.rejections (id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256,
                                 diagnosed, diagnosis, captured_method, captured_url, captured_body, captured_truncated, captured_sealed)
SELECT id, source_id, received_at, status, reason, message, remote_address, headers::json, body_size, body_sha256,
       diagnosed, diagnosis::json, captured_method, captured_url, decode(captured_body, 'base64'), captured_truncated, captured_sealed
FROM json_to_recordset($1::json) AS r (ord integer, id text, source_id text, received_at timestamptz, status integer,
     reason text, message text, remote_address text, headers text, body_size bigint, body_sha256 text,
     diagnosed boolean, diagnosis text, captured_method text, captured_url text, captured_body text, captured_truncated boolean,
     captured_sealed text)
ORDER BY ord`

/**
 * Group commit of rejections with the cap: inserts the batch (the caller passes at most `keep` of them, the
 * newest), then deletes the older rows beyond `keep`. The DELETE reads the statement's snapshot, which does not
 * hold the rows being inserted, so it keeps the newest `$2` = keep − (rows inserted) of the OLD rows: one
 * backward walk of the primary key, no count. (A data-modifying CTE always runs to completion, read or not.) Two instances pruning at the same time may each keep a few more
 * than the cap until their next batch; never fewer.
 */
export const INSERT_REJECTIONS = `-- Params: $1 json (array of { ord, id, source_id, received_at (ISO text), status, reason, message,
--         remote_address, headers (JSON object as text), body_size, body_sha256, diagnosed, diagnosis (JSON array as text),
--         captured_method, captured_url, captured_body (base64), captured_truncated, captured_sealed }), $2 integer (old rows to keep)
WITH inserted AS (
${INSERT_REJECTION_ROWS}
  RETURNING 1
)
DELETE FROM {schema}.rejections
WHERE seq <= (SELECT seq FROM {schema}.rejections ORDER BY seq DESC OFFSET $2 LIMIT 1)`

/** One rejection by its public id (`rej_…`), with its captured request. */
export const SELECT_REJECTION_BY_ID = `-- Params: $1 text (rejection id)
SELECT ${REJECTION_COLUMNS}, captured_method, captured_url, captured_body, captured_truncated, captured_sealed
FROM {schema}.rejections
WHERE id = $1`
