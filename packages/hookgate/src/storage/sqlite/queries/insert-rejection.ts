/** Records one refused request: redacted headers, body size and digest, the diagnosis, and the captured request if any. */
export const INSERT_REJECTION = `-- Params: @id TEXT, @sourceId TEXT, @receivedAt INTEGER (ms since epoch), @status INTEGER,
--         @reason TEXT, @message TEXT, @remoteAddress TEXT|NULL, @headers TEXT (JSON object), @bodySize INTEGER, @bodySha256 TEXT,
--         @diagnosed INTEGER (0/1)|NULL, @diagnosis TEXT (JSON array)|NULL, @capturedMethod TEXT|NULL, @capturedUrl TEXT|NULL,
--         @capturedBody BLOB|NULL, @capturedTruncated INTEGER (0/1)|NULL, @capturedSealed TEXT|NULL
INSERT INTO rejections (id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256,
                        diagnosed, diagnosis, captured_method, captured_url, captured_body, captured_truncated, captured_sealed)
VALUES (@id, @sourceId, @receivedAt, @status, @reason, @message, @remoteAddress, @headers, @bodySize, @bodySha256,
        @diagnosed, @diagnosis, @capturedMethod, @capturedUrl, @capturedBody, @capturedTruncated, @capturedSealed)`
