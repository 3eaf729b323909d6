// Errors the CLI turns into a message and an exit status.

/** Exit statuses: 0 success, 1 the operation failed, 2 bad usage or bad input (nothing changed). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
