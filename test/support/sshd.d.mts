export interface Sshd {
  readonly port: number;
  /** `ssh://root@127.0.0.1:PORT`. */
  readonly host: string;
  /** For the hotswap process: HOME (with .ssh/) and the Go caches. */
  readonly env: Record<string, string>;
  /** The home dir hotswap runs with (its .docker/ holds contexts a test writes). */
  readonly home: string;
  /** Bytes the clients sent so far (encrypted, so about what they sent in the clear). */
  bytesIn(): number;
  /** Closes the listener and ends every sshd it started; removes the temp dir. */
  stop(): Promise<void>;
}

export function startSshd(engineHost: string, netnsOf?: number): Promise<Sshd>;
