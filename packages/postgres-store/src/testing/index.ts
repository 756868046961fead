export { tableDigest } from './table-digest.js'
export {
  postgresBinaries,
  postgresServerAvailable,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from './throwaway-postgres.js'
