/**
 * The write `checkWritable()` commits: a real page change, so it fails exactly when an event commit would
 * (read-only file, full disk, lock held elsewhere), which a BEGIN … ROLLBACK would not prove.
 */
export const TOUCH_HEALTH = `-- Params: @checkedAt INTEGER (ms since epoch)
INSERT INTO health (id, checked_at) VALUES (1, @checkedAt)
ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`
