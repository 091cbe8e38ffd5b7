/**
 * The conditions of a bulk replay: the LATEST delivery of its (event, destination) pair, final, matching the
 * filter. NULL parameters mean "any". Shared by the count and the batch selection so both agree.
 */
const MATCH = `d.status IN ('delivered', 'dead')
  AND (@status IS NULL OR d.status = @status)
  AND (@destinationId IS NULL OR d.destination_id = @destinationId)
  AND (@sourceId IS NULL OR e.source_id = @sourceId)
  AND (@from IS NULL OR e.received_at >= @from)
  AND (@to IS NULL OR e.received_at < @to)
  AND NOT EXISTS (SELECT 1 FROM deliveries n WHERE n.event_id = d.event_id AND n.destination_id = d.destination_id AND n.seq > d.seq)`

/** How many pairs a bulk replay would requeue now. */
export const COUNT_REPLAY_MATCHES = `-- Params: @status TEXT|NULL, @destinationId TEXT|NULL, @sourceId TEXT|NULL, @from INTEGER|NULL (ms), @to INTEGER|NULL (ms)
SELECT count(*) AS n
FROM deliveries d JOIN events e ON e.id = d.event_id
WHERE ${MATCH}`

/**
 * One batch of a bulk replay, in delivery order, within the snapshot (@afterSeq, @untilSeq]: deliveries created
 * after the first batch (the replays themselves) are never matched, so the walk ends.
 */
export const SELECT_REPLAY_BATCH = `-- Params: @afterSeq INTEGER, @untilSeq INTEGER, @limit INTEGER, @status TEXT|NULL, @destinationId TEXT|NULL,
--         @sourceId TEXT|NULL, @from INTEGER|NULL (ms), @to INTEGER|NULL (ms)
SELECT d.seq, d.id, d.event_id, d.destination_id
FROM deliveries d JOIN events e ON e.id = d.event_id
WHERE d.seq > @afterSeq AND d.seq <= @untilSeq
  AND ${MATCH}
ORDER BY d.seq
LIMIT @limit`

/** The upper bound of a bulk replay's snapshot. */
export const SELECT_MAX_DELIVERY_SEQ = `-- Params: none
SELECT coalesce(max(seq), 0) AS seq FROM deliveries`
