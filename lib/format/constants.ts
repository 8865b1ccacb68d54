// Numbers of the vmprof log format: record markers, profile flags, versions and limits (see docs/FORMAT.md).

// Record markers: the first byte of every record after the static header.
export const STACKTRACE = 0x01;
export const VIRTUAL_IP = 0x02; // code symbol: addr key, word length, "py:<name>:<line>:<file>"
export const TRAILER = 0x03;
export const INTERP_NAME = 0x04; // deprecated by vmprof, never written, rejected by readers
export const HEADER = 0x05;
export const TIME_N_ZONE = 0x06;
export const META = 0x07;
export const NATIVE_SYMBOLS = 0x08;

// Flags byte of the HEADER record (version >= 4).
export const MEMORY = 0x01; // every STACKTRACE carries an RSS word (kB)
export const LINES = 0x02; // stacks are (line, addr) pairs
export const NATIVE = 0x04; // native frames are interleaved (bit 0 of their addr set)
export const RPYTHON = 0x08; // stacks are (kind, addr) pairs (PyPy)
export const REAL_TIME = 0x10; // wall-clock sampling instead of CPU time

/** The same markers and flags grouped, for `switch` statements and printing. */
export const Marker = {
  STACKTRACE,
  VIRTUAL_IP,
  TRAILER,
  INTERP_NAME,
  HEADER,
  TIME_N_ZONE,
  META,
  NATIVE_SYMBOLS,
} as const;
export const Flag = { MEMORY, LINES, NATIVE, RPYTHON, REAL_TIME } as const;

/** The format version we write (vmprof's VERSION_TIMESTAMP). */
export const VERSION = 6;
// Versions the reader understands, and what each one added.
export const VERSION_THREAD_ID = 1; // STACKTRACE carries a thread id
export const VERSION_MEMORY = 3; // pre-flags memory mode
export const VERSION_MODE_AWARE = 4; // HEADER carries a flags byte
export const VERSION_DURATION = 5; // TRAILER carries the end time
export const VERSION_TIMESTAMP = 6;
export const VERSION_SAMPLE_TIME = 7; // STACKTRACE ends with an i64 nanosecond timestamp
export const MAX_VERSION = VERSION_SAMPLE_TIME;

/** Deepest stack a STACKTRACE record may hold (entries, so frames*2 in lines mode). */
export const MAX_DEPTH = 65536;

/** Bytes in a word and an address on the platforms we write for (x86_64/aarch64 Linux). */
export const WORD_SIZE_BYTES = 8;
/** The static header: 5 words [0, 3, 0, period_usec, 0]. */
export const STATIC_HEADER_WORDS = 5;
/** Bytes of a TIME_N_ZONE / TRAILER time payload: i64 seconds, i64 microseconds, 8 zone bytes. */
export const TIME_PAYLOAD_BYTES = 24;
