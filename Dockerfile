# One image for the API and the workers; compose picks the command.
FROM node:22-slim
ENV CI=true
WORKDIR /app
RUN npm i -g pnpm@10.34.9
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
# pnpm applies these to the packages it installs (patchedDependencies in pnpm-workspace.yaml).
COPY patches/ patches/
COPY apps/producer/package.json apps/producer/
COPY apps/worker/package.json apps/worker/
COPY packages/adapters/package.json packages/adapters/
COPY packages/cli/package.json packages/cli/
COPY packages/client/package.json packages/client/
COPY packages/config/package.json packages/config/
COPY packages/contracts/package.json packages/contracts/
COPY packages/db/package.json packages/db/
COPY packages/emulator/package.json packages/emulator/
COPY packages/pricing/package.json packages/pricing/
COPY packages/queues/package.json packages/queues/
COPY packages/webhooks/package.json packages/webhooks/
COPY test/package.json test/
COPY bench/package.json bench/
COPY scripts/package.json scripts/
RUN pnpm install --frozen-lockfile
COPY . .
USER node
# node itself, not pnpm: `docker stop` sends SIGTERM to PID 1 only, and pnpm does not pass signals on.
CMD ["node", "--import", "tsx", "apps/producer/src/main.ts"]
