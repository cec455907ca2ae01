// Server-Sent Events framing, parsed here because the stream is read with fetch() (EventSource
// cannot send the Authorization header).

/**
 * A Server-Sent Events parser. Lines end with CRLF, LF or CR; `event:` names the event, `data:`
 * lines are joined with newlines, a blank line dispatches, a line starting with ':' is a comment
 * (the server's heartbeat). `id:` and `retry:` are not needed: de-duplication uses the ids in the
 * payload and the reconnect delay is this page's own backoff.
 */
export function createSseParser(onEvent, onComment) {
  let buffer = '';
  let eventName = '';
  let data = [];

  function line(text) {
    if (text === '') {
      if (data.length > 0) onEvent(eventName || 'message', data.join('\n'));
      eventName = '';
      data = [];
      return;
    }
    if (text[0] === ':') {
      onComment();
      return;
    }
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') data.push(value);
  }

  return {
    push(chunk) {
      buffer += chunk;
      const newline = /\r\n|\r|\n/g;
      let start = 0;
      let match;
      while ((match = newline.exec(buffer)) !== null) {
        // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
        if (match[0] === '\r' && match.index === buffer.length - 1) break;
        line(buffer.slice(start, match.index));
        start = newline.lastIndex;
      }
      buffer = buffer.slice(start);
    },
  };
}
