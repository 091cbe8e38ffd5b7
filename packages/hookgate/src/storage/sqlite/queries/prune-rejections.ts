/**
 * Keeps at most @keep rejections, dropping the oldest. seq is the rowid, assigned as max + 1 and only ever
 * deleted from the bottom, so the newest @keep rows are exactly those above max(seq) - @keep: one index
 * lookup and a range delete, instead of counting rows or an ORDER BY … OFFSET scan.
 */
export const PRUNE_REJECTIONS = `-- Params: @keep INTEGER
DELETE FROM rejections
WHERE seq <= (SELECT max(seq) FROM rejections) - @keep`
