/** One page of rejections, newest first (keyset on seq, like LIST_EVENTS). */
export const LIST_REJECTIONS = `-- Params: @beforeSeq INTEGER (exclusive), @limit INTEGER
SELECT seq, id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256
FROM rejections
WHERE seq < @beforeSeq
ORDER BY seq DESC
LIMIT @limit`
