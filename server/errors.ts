import type { ErrorBody, ErrorCode } from '../shared/protocol/events.js';

/** An expected failure with a wire error code; anything else thrown is reported as INTERNAL. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** NOT_FOUND on the wire, for a room that does not exist (or was deleted meanwhile); other NOT_FOUNDs stay distinct. */
export class RoomGoneError extends AppError {
  constructor(roomId: string) {
    super('NOT_FOUND', `no room ${roomId}`);
  }
}

export const errorBody = (code: ErrorCode, message: string): ErrorBody => ({ code, message });

export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  NOT_IN_ROOM: 403,
  RATE_LIMITED: 429,
  CONFLICT: 409,
  INTERNAL: 500,
  LIMIT_REACHED: 409,
  UNAVAILABLE: 503,
  TOO_LARGE: 413,
};
