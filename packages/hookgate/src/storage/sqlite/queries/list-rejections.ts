import { REJECTION_COLUMNS } from './rejection-columns.ts'

/** One page of rejections, newest first (keyset on seq, like LIST_EVENTS). */
export const LIST_REJECTIONS = `-- Params: @beforeSeq INTEGER (exclusive), @limit INTEGER
SELECT ${REJECTION_COLUMNS}
FROM rejections
WHERE seq < @beforeSeq
ORDER BY seq DESC
LIMIT @limit`
