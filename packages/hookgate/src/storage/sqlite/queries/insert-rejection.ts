/** Records one refused request (never its body, secrets or signatures). */
export const INSERT_REJECTION = `-- Params: @id TEXT, @sourceId TEXT, @receivedAt INTEGER (ms since epoch), @status INTEGER,
--         @reason TEXT, @message TEXT, @remoteAddress TEXT|NULL, @headers TEXT (JSON object), @bodySize INTEGER, @bodySha256 TEXT
INSERT INTO rejections (id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256)
VALUES (@id, @sourceId, @receivedAt, @status, @reason, @message, @remoteAddress, @headers, @bodySize, @bodySha256)`
