/**
 * What `hotswap init` knows about ollama: the files its Dockerfile builds into the image (llama-server,
 * ggml's GPU backends, MLX) rather than into the Go binary, read from ollama's Dockerfile, CMakeLists.txt,
 * CMakePresets.json and cmake/. A change to these alone needs an image rebuild, not a swap. Files that cgo
 * compiles into the binary (ggml's CPU sources before 2026-05, x/mlxrunner/mlx) are left out on purpose:
 * the planner's build graph classifies them, and it always wins over these globs.
 */

export const OLLAMA_MODULE = 'github.com/ollama/ollama';

export interface ImageInput {
  readonly glob: string;
  readonly why: string;
}

/** The README's table lists the same globs with the same reasons. */
export const OLLAMA_IMAGE_INPUTS: readonly ImageInput[] = [
  { glob: 'Dockerfile', why: 'the image recipe' },
  { glob: '.dockerignore', why: 'what the image build context holds' },
  { glob: '**/CMakeLists.txt', why: 'the CMake projects of llama-server, MLX and (before 2026-05) ggml' },
  { glob: '**/CMakePresets.json', why: 'the CPU/CUDA/ROCm/Vulkan/MLX presets the Dockerfile builds with' },
  { glob: 'cmake/**', why: "the root project's CMake modules" },
  { glob: '**/*.cmake', why: 'CMake modules (patch and fetch steps)' },
  { glob: '*_VERSION', why: 'LLAMA_CPP_VERSION, MLX_VERSION, MLX_C_VERSION: the sources CMake fetches' },
  { glob: 'Makefile.sync', why: 'the vendored llama.cpp/ggml pin and sync recipe (before 2026-05)' },
  { glob: 'llama/server/**', why: "llama-server's CMake project (COPY llama/server)" },
  { glob: 'llama/compat/**', why: "ollama's C++ and patches built into llama-server (COPY llama/compat)" },
  { glob: 'mlx/compat/**', why: 'the patch cmake/local.cmake applies to mlx-c' },
  { glob: 'ml/backend/ggml/ggml/src/ggml-cuda/**', why: 'the CUDA backend, built by CMake only' },
  { glob: 'ml/backend/ggml/ggml/src/ggml-hip/**', why: 'the ROCm backend, built by CMake only' },
  { glob: 'ml/backend/ggml/ggml/src/ggml-vulkan/**', why: 'the Vulkan backend and its shaders, built by CMake only' },
];

/** ollama's module path in go.mod (not a fork renamed elsewhere) gets the preset. */
export const isOllama = (module: string | null): boolean => module === OLLAMA_MODULE;

/**
 * The build tags of the `go build` in ollama's Dockerfile (`-tags mlx` from 2026-01-08 to 2026-03-09), so the dev
 * binary and its plan are those of the image's binary. Continuation lines are joined first.
 */
export function dockerfileTags(dockerfile: string): string[] {
  const text = dockerfile.replace(/\\\r?\n/g, ' ');
  const tags = [...text.matchAll(/\bgo\s+build\b[^\n]*?\s-tags(?:=|\s+)(["']?)([^\s"']+)\1/g)].flatMap((m) => m[2]!.split(','));
  return [...new Set(tags.filter(Boolean))];
}
