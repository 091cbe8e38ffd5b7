/** The columns every rejection listing returns (the captured body's length, not the body). */
export const REJECTION_COLUMNS = `seq, id, source_id, received_at, status, reason, message, remote_address, headers, body_size, body_sha256,
  diagnosed, diagnosis, length(captured_body) AS captured_bytes`
