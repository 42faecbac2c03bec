// Loaded by path (DataConverter.failureConverterPath) in the client, the worker and the workflow bundle when the
// payload codec is on: failure messages and stack traces move into an encoded payload, which the codec encrypts.
// They can name what the input held (a trade file's row, a path); the history then shows "Encoded failure".
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
