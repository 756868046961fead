export { postgresBinaries, startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.js'
