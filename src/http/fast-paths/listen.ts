import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';

/**
 * `app.listen`, with requests and responses that are born with the app's prototypes. Express
 * re-parents every request and response on entry (`Object.setPrototypeOf`), and V8 gives each
 * re-parented object a hidden class of its own: every request then brought new hidden classes, and
 * property access throughout express, the router and node:http went megamorphic (the largest
 * per-request cost in a profile of this route). Classes derived from node's, slotted in between the
 * app's prototypes and the objects, give every request the same hidden classes, and express's
 * re-parenting finds the prototype already in place. The behaviour of `req` and `res` is unchanged:
 * the new prototypes add nothing and inherit everything express and node define.
 */
export function listenWithStableShapes(app: express.Express): express.Express['listen'] {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.request = AppRequest.prototype as unknown as typeof app.request;
  app.response = AppResponse.prototype as unknown as typeof app.response;
  return ((...args: Parameters<express.Express['listen']>) => {
    const server = createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
    // As express's own listen: a trailing callback also hears a listen error, once.
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      let called = false;
      const once = (error?: Error) => {
        if (called) return;
        called = true;
        (callback as (error?: Error) => void)(error);
      };
      args[args.length - 1] = once as never;
      server.once('error', once);
    }
    return server.listen(...(args as Parameters<typeof server.listen>));
  }) as express.Express['listen'];
}
