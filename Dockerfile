# syntax=docker/dockerfile:1
# healthbot: one static binary in a distroless image that runs as non-root.
#   docker build -t healthbot .
#   docker run --rm -e DATABASE_URL=... -p 8080:8080 healthbot serve --migrate

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first, so code changes do not invalidate the download layer.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false -ldflags="-s -w" \
      -o /out/healthbot ./cmd/healthbot

# distroless/static: CA certificates, /etc/passwd with "nonroot" (65532), no
# shell. Time zones come from the binary itself (time/tzdata is embedded).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/healthbot /usr/local/bin/healthbot
USER nonroot:nonroot
ENV HEALTHBOT_HTTP_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/healthbot"]
CMD ["serve"]
