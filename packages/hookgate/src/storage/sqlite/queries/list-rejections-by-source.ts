import { REJECTION_COLUMNS } from './rejection-columns.ts'

/** LIST_REJECTIONS for one source, on the (source_id, seq) index. */
export const LIST_REJECTIONS_BY_SOURCE = `-- Params: @sourceId TEXT, @beforeSeq INTEGER (exclusive), @limit INTEGER
SELECT ${REJECTION_COLUMNS}
FROM rejections
WHERE source_id = @sourceId AND seq < @beforeSeq
ORDER BY seq DESC
LIMIT @limit`
