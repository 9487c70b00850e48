// The exceptions of python-websockets that extensions raise, under the same names. Thrown from
// a factory's negotiation, the NegotiationError ones decline the offer (server) or fail the
// handshake (client), as any exception there does; thrown from an extension's `decode` or
// `encode`, PayloadTooBig fails the connection with 1009 and ProtocolError with 1002 (their
// `closeCode`, as ExtensionError's).
//
// Where python keeps the parameter in `name`, these keep it in `parameterName`: an Error's
// `name` is its class name in JavaScript.

import { ExtensionError, NegotiationError } from './base.mjs';

/** A parameter name repeated in an extension header. */
export class DuplicateParameter extends NegotiationError {
  constructor(name) {
    super(`duplicate parameter: ${name}`);
    this.name = 'DuplicateParameter';
    this.parameterName = name;
  }
}

/** An invalid parameter name in an extension header. */
export class InvalidParameterName extends NegotiationError {
  constructor(name) {
    super(`invalid parameter name: ${name}`);
    this.name = 'InvalidParameterName';
    this.parameterName = name;
  }
}

/** An invalid (or missing: `value` null, or empty) parameter value in an extension header. */
export class InvalidParameterValue extends NegotiationError {
  constructor(name, value) {
    super(value === null || value === undefined ? `missing value for parameter ${name}`
      : value === '' ? `empty value for parameter ${name}` : `invalid value for parameter ${name}: ${value}`);
    this.name = 'InvalidParameterValue';
    this.parameterName = name;
    this.value = value ?? null;
  }
}

/**
 * A frame or message that would exceed the size limit: throw it from `decode` when decoding
 * would produce more than `maxSize` bytes (close 1009). `new PayloadTooBig(size, maxSize,
 * currentSize?)` words the message as python-websockets does; `new PayloadTooBig(message)` too.
 */
export class PayloadTooBig extends ExtensionError {
  constructor(sizeOrMessage, maxSize = null, currentSize = null) {
    let message;
    let size = null;
    if (typeof sizeOrMessage === 'string') {
      message = sizeOrMessage;
    } else {
      size = sizeOrMessage ?? null;
      if (currentSize !== null) maxSize += currentSize;
      message = `frame ${size !== null ? `with ${size} bytes ` : ''}${currentSize !== null ? `after reading ${currentSize} bytes ` : ''}exceeds limit of ${maxSize} bytes`;
    }
    super(message, 1009);
    this.name = 'PayloadTooBig';
    this.size = size;
    this.maxSize = maxSize;
    this.currentSize = currentSize;
  }
}

/** A frame that breaks the protocol: throw it from `decode`/`encode` to fail with 1002. */
export class ProtocolError extends ExtensionError {
  constructor(message) {
    super(message, 1002);
    this.name = 'ProtocolError';
  }
}
