/** Offset paging state for lists with pull-to-refresh and load-more. */
function createPager(limit = 20) {
  return { limit, offset: 0, total: 0, done: false }
}

/** Next pager after a page {items, total} was received at `pager.offset`. */
function advance(pager, pageResult) {
  const offset = pager.offset + pageResult.items.length
  return {
    limit: pager.limit,
    offset,
    total: pageResult.total,
    done: offset >= pageResult.total || pageResult.items.length < pager.limit,
  }
}

module.exports = { createPager, advance }
