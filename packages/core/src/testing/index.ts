export { describeStoreConformance, type StoreSetup } from './store-conformance.js'
