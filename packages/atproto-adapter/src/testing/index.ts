export {
  type StandInChatService,
  type StandInChatServiceOptions,
  startStandInChatService,
} from './stand-in-chat-service.js'
