/** LIST_REJECTIONS for one source, on the (source_id, seq) index. */
export const LIST_REJECTIONS_BY_SOURCE = `-- Params: @sourceId TEXT, @beforeSeq INTEGER (exclusive), @limit INTEGER
SELECT seq, id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256
FROM rejections
WHERE source_id = @sourceId AND seq < @beforeSeq
ORDER BY seq DESC
LIMIT @limit`
