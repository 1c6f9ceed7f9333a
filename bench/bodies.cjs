// The two delivery bodies the benchmarks send, with "__ID__" where each request puts a distinct id.
'use strict';

const citation = (i) => ({
  id: `9f1c2d3e-0000-4000-8000-${String(i).padStart(12, '0')}`,
  filename: `產品手冊-第${i}章.pdf`,
  file: `https://files.example.com/chatbot-files/${i}/manual.pdf`,
  fileType: 'pdf',
  size: 174632 + i,
  status: 'done',
  chatbotFileContent: '97f16dcb-1331-4a72-9002-e2865ea21c13',
  parser: { id: '497f6eca-6276-4993-bfeb-53cbbbba6f08', name: 'default', provider: 'maiagent', priority: 0 },
  createdAt: '1728104372000',
});

function delivery(content, citations) {
  return JSON.stringify({
    id: '__ID__',
    conversation: 'a2d9c3ee-03b3-403a-b1c2-42b286bec1aa',
    sender: { id: 789, name: 'MaiAgent 助理', avatar: 'https://example.com/avatar.jpg' },
    type: 'outgoing',
    content,
    feedback: null,
    created_at: '1728219442000',
    attachments: [],
    citations,
  });
}

const paragraph = '您好！根據您提供的資料，我們的產品支援多種付款方式，包括信用卡、銀行轉帳與行動支付。若您需要進一步協助，請隨時與客服聯繫。';

/** ~2.5 KB: a realistic reply, CJK text, two citations. */
const small = delivery(paragraph.repeat(8), [citation(1), citation(2)]);
/** ~200 KB: a long reply with 50 citations. */
const large = delivery(paragraph.repeat(980), Array.from({ length: 50 }, (_, i) => citation(i + 1)));

module.exports = { small, large };
