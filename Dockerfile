FROM node:20-bookworm-slim
WORKDIR /app
# The postinstall step generates the Prisma client from the schema, so it must be there before `npm ci`.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm ci
COPY . .
ENV NODE_ENV=production
CMD ["npm", "run", "api"]
