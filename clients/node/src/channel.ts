import * as grpc from '@grpc/grpc-js';

export const DEFAULT_ADDRESS = 'localhost:50051';
/** geargate's default --grpc-max-message-size (its --max-packet-size default). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** TLS settings for `tls`; PEM buffers as for `grpc.credentials.createSsl`. */
export interface TlsOptions {
  rootCerts?: Buffer;
  privateKey?: Buffer;
  certChain?: Buffer;
  /** Override the name checked against the server certificate. */
  serverName?: string;
}

/** How to reach geargate; shared by Client and Worker. */
export interface ConnectionOptions {
  /** host:port of geargate's gRPC API (default `localhost:50051`). */
  address?: string;
  /** Channel credentials; wins over `tls`. Default: plaintext (insecure). */
  credentials?: grpc.ChannelCredentials;
  /** `true` for TLS with the system roots, or explicit TLS settings. */
  tls?: boolean | TlsOptions;
  /** Largest message sent or received (default 64 MiB, geargate's default). */
  maxMessageBytes?: number;
  /** Extra grpc-js channel options (keepalive, etc.). */
  channelOptions?: grpc.ChannelOptions;
}

export function channelArgs(options: ConnectionOptions): {
  address: string;
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
} {
  const address = options.address ?? DEFAULT_ADDRESS;
  let credentials = options.credentials;
  const channelOptions: grpc.ChannelOptions = {
    'grpc.max_send_message_length': options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    'grpc.max_receive_message_length': options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    ...options.channelOptions,
  };
  if (credentials === undefined) {
    if (options.tls === true) {
      credentials = grpc.credentials.createSsl();
    } else if (options.tls) {
      const tls = options.tls;
      credentials = grpc.credentials.createSsl(tls.rootCerts ?? null, tls.privateKey ?? null, tls.certChain ?? null);
      if (tls.serverName !== undefined) channelOptions['grpc.ssl_target_name_override'] = tls.serverName;
    } else {
      credentials = grpc.credentials.createInsecure();
    }
  }
  return { address, credentials, channelOptions };
}

/** Accepts strings (UTF-8), Buffers and any Uint8Array as a payload. */
export type Payload = string | Uint8Array;

export function toBuffer(payload: Payload | undefined | null): Buffer {
  if (payload === undefined || payload === null) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (Buffer.isBuffer(payload)) return payload;
  return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

export function deadlineFrom(timeoutMs: number | undefined): grpc.Deadline | undefined {
  return timeoutMs === undefined || timeoutMs <= 0 ? undefined : new Date(Date.now() + timeoutMs);
}
