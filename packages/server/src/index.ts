export { bannerFor, helpText, serveFromCommandLine } from './command-line.js'
export { configFromEnv, DEMO_WEBHOOKS, SETTINGS, type ServerConfig, type Setting, settingsFromArgs } from './config.js'
export { type RunningServer, startServer } from './server.js'
