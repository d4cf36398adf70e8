/** A problem with the input file itself (unreadable, a bad line, an unknown column): exit code 1, no API call. */
export class InputFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InputFileError';
  }
}
