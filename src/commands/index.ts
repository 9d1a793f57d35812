// The command table (oclif's explicit strategy: no directory scan at start-up).
import Filters from './filters.js'

export const COMMANDS = {
  filters: Filters,
}
