import { describe, expect, it } from 'vitest';
import { dockerfileTags } from '../../src/init/ollama.js';

describe('dockerfileTags (the tags of the go build in ollama\'s Dockerfile)', () => {
  it('reads -tags of the go build, across continuation lines, in both spellings', () => {
    expect(dockerfileTags('RUN --mount=type=cache,target=/root/.cache/go-build \\\n    go build -tags mlx -trimpath -buildmode=pie -o /bin/ollama .\n'))
      .toEqual(['mlx']);
    expect(dockerfileTags('RUN go build -trimpath -tags="a,b" -o /bin/x .\nRUN go build -tags=b,c .\n')).toEqual(['a', 'b', 'c']);
  });

  it('finds none in today\'s Dockerfile line, in other commands or without a Dockerfile', () => {
    expect(dockerfileTags('RUN --mount=type=cache,target=/root/.cache/go-build \\\n    go build -trimpath -buildmode=pie -o /bin/ollama .\n')).toEqual([]);
    expect(dockerfileTags('RUN go vet -tags mlx ./...\nRUN cmake --preset cpu\n')).toEqual([]);
    expect(dockerfileTags('')).toEqual([]);
  });
});
