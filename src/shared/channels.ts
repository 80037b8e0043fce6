// The names of the lab's requests, once. The preload imports only this file (no zod), and
// contract.ts keys its schemas by these names, so a name without a schema (or the reverse)
// fails the typecheck.
export const REQUEST_NAMES = [
  'startRun',
  'pauseRun',
  'resumeRun',
  'stopRun',
  'listRuns',
  'liveRuns',
  'getRun',
  'runMetrics',
  'renameRun',
  'annotateRun',
  'deleteRun',
  'listPresets',
  'backendInfo',
  'confusion',
  'misclassified',
  'testImages',
  'predict',
  'exportModel',
  'exportPytorch',
  'importPytorch',
  'startSweep',
  'listSweeps',
  'getSweep',
  'cancelSweep',
  'getInside',
  'lookInside',
  'storeHealth',
  'rescueDatabase',
  'courseProgress',
  'startLesson',
  'answerLesson'
] as const

export type RequestName = (typeof REQUEST_NAMES)[number]

/** Requests whose replies carry byte arrays: over HTTP they are answered as bytes, not JSON. */
export const BYTES_REPLIES: readonly RequestName[] = ['exportModel', 'exportPytorch']

/** IPC channel of a request (Electron) and path of its HTTP endpoint (serve): one naming rule. */
export const requestChannel = (name: RequestName) => `lab:${name}` as const
export const requestPath = (name: RequestName) => `/api/${name}` as const

/** Coalesced engine events go to the UI on this channel / WebSocket path. */
export const EVENTS_CHANNEL = 'lab:events'
export const EVENTS_PATH = '/api/events'

/**
 * Serve mode's secret travels in this header on API calls. Browsers cannot set headers on a
 * WebSocket, so the page offers two subprotocols there: EVENTS_PROTOCOL, which the server
 * echoes, and `${EVENTS_PROTOCOL}.<token>`, which it reads and never echoes.
 */
export const TOKEN_HEADER = 'x-digit-lab-token'
export const EVENTS_PROTOCOL = 'digit-lab'
export const tokenProtocol = (token: string) => `${EVENTS_PROTOCOL}.${token}`
