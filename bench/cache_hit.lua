-- One fixed point select, run again and again (bench/cache.py): through Junction's query cache every
-- answer after the first is a cache hit.
function thread_init()
  drv = sysbench.sql.driver()
  con = drv:connect()
end

function event()
  con:query("SELECT id, c FROM bench_cache WHERE id = 42")
end

function thread_done()
  con:disconnect()
end
