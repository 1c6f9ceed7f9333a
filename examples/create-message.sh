#!/bin/sh
# One real message to your assistant through MaiAgent's API: a conversation on its web chat, then the message.
# Needs MAIAGENT_API_KEY and MAIAGENT_WEB_CHAT_ID (the Web Chat ID at the bottom of the assistant's admin page).
set -eu
api="${MAIAGENT_API_BASE_URL:-https://api.maiagent.ai/api/v1/}"

answer=$(curl -sS --fail-with-body -X POST "${api}conversations/" \
  -H "Authorization: Api-Key $MAIAGENT_API_KEY" -H 'Content-Type: application/json' \
  -d "{\"webChat\": \"$MAIAGENT_WEB_CHAT_ID\"}") || { echo "$answer" >&2; exit 1; } # MaiAgent's reason
conversation=$(printf %s "$answer" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).id')

curl -sS --fail-with-body -X POST "${api}messages/" \
  -H "Authorization: Api-Key $MAIAGENT_API_KEY" -H 'Content-Type: application/json' \
  -d "{\"conversation\": \"$conversation\", \"content\": \"Hello from my laptop\"}"
echo
