import { googleError } from '../vertex/google-errors';

export { googleError, googleErrorBody, renderGoogleError } from '../vertex/google-errors';

export const invalidArgument = (message: string) => googleError(400, message, 'INVALID_ARGUMENT');
export const failedPrecondition = (message: string) => googleError(400, message, 'FAILED_PRECONDITION');
export const notFound = (message: string) => googleError(404, message, 'NOT_FOUND');
