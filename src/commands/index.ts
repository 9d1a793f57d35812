// The command table (oclif's explicit strategy: no directory scan at start-up).
import Demo from './demo.js'
import Disable from './disable.js'
import Enable from './enable.js'
import Filters from './filters.js'
import Inspect from './inspect.js'
import Query from './query.js'
import Wrap from './wrap.js'

export const COMMANDS = {
  demo: Demo,
  disable: Disable,
  enable: Enable,
  filters: Filters,
  inspect: Inspect,
  query: Query,
  wrap: Wrap,
}
