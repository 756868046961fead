export { type AnsweredCall, protocolCallTelemetry } from './call-telemetry.js'
export { type CommandTelemetryOptions, joineryTelemetry } from './command-telemetry.js'
export { SCOPE, type TelemetryOptions } from './instruments.js'
