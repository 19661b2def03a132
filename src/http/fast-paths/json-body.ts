import type { Request } from 'express';

/**
 * What `express.json({ strict: false, inflate: false })` does with a body whose length the headers
 * declare (node:http delivers exactly that many bytes): UTF-8, a leading byte order mark dropped,
 * `JSON.parse`, and body-parser's error types (`entity.parse.failed`, `request.aborted`) for the
 * error middleware. create-app.ts sends only plain `application/json` bodies within the limit here.
 *
 * Reads a body whose length the headers declare (node:http delivers exactly that many bytes). */
export function readDeclaredLengthJson(req: Request, length: number, done: (error?: unknown) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  const finish = (error?: unknown) => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('aborted', onAborted);
    req.off('error', onError);
    done(error);
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    received += chunk.length;
  };
  const onEnd = () => {
    let text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received)).toString(
      'utf8',
    );
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    try {
      req.body = JSON.parse(text);
    } catch {
      finish(bodyError('the request body is not valid JSON', 'entity.parse.failed'));
      return;
    }
    finish();
  };
  const onAborted = () =>
    finish(
      Object.assign(bodyError('request aborted', 'request.aborted'), {
        code: 'ECONNABORTED',
        expected: length,
        length,
        received,
      }),
    );
  const onError = (error: Error) =>
    finish(Object.assign(error, { expose: true, statusCode: 400, status: 400 }));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onAborted);
  req.on('error', onError);
}

/** An error shaped as body-parser's (`type`, 400), which the error middleware maps to our codes. */
function bodyError(message: string, type: string): Error {
  return Object.assign(new Error(message), { type, expose: true, statusCode: 400, status: 400 });
}
