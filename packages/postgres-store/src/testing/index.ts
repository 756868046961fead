export { tableDigest } from './table-digest.js'
export { postgresBinaries, startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js'
