// Demo library for Flowtab.Pro: creators, flows and a subscriber account.
// Pure data, no imports. Used by the seed (./index.ts).

export type SeedCreator = { email: string; username: string; password: string; bio: string };

export type SeedFlow = {
  author: string; // a SeedCreator username
  title: string; // 3..120 chars, unique
  summary: string; // one or two sentences, <= 300 chars
  body: string; // the prompt itself, Markdown, 600..2500 chars, addressed to the agent
  steps: string[]; // 3..7 short ordered steps for the human/agent
  notes: string[]; // 1..3 pitfalls
  target_sites: string[]; // lowercase domains like 'linkedin.com'
  works_with: string[]; // from: 'Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon', 'Playwright'
  tags: string[]; // 2..4 lowercase tags, letters/digits/hyphens only
  is_premium: boolean;
  featured: boolean;
};

export const demoCreators: SeedCreator[] = [
  {
    email: 'maya@demo.flowtab.pro',
    username: 'maya_research',
    password: 'flowtab-demo',
    bio: 'Former market-research analyst. I write agent prompts that cite their sources and say when they are unsure.',
  },
  {
    email: 'leo@demo.flowtab.pro',
    username: 'leo_automates',
    password: 'flowtab-demo',
    bio: 'Backend engineer automating the boring parts of my week: inbox, issues, calendars and test runs.',
  },
  {
    email: 'priya@demo.flowtab.pro',
    username: 'priya_growth',
    password: 'flowtab-demo',
    bio: 'Growth and talent lead at an early-stage startup. Sourcing, outreach and community listening flows.',
  },
  {
    email: 'sam@demo.flowtab.pro',
    username: 'sam_shops',
    password: 'flowtab-demo',
    bio: 'Deal hunter and frequent traveller. Flows for buying, booking and renting without getting burned.',
  },
];

export const demoSubscriber: { email: string; username: string; password: string } = {
  email: 'subscriber@demo.flowtab.pro',
  username: 'demo_subscriber',
  password: 'flowtab-demo',
};

/** The operator: logs in to the console at /admin (SPEC §14). */
export const demoAdmin: { email: string; username: string; password: string } = {
  email: 'admin@demo.flowtab.pro',
  username: 'demo_admin',
  password: 'flowtab-demo',
};

export type SeedReport = {
  flow: string; // a SeedFlow title
  reporter: string; // a demo reader's username
  reason: 'spam' | 'copyright' | 'harmful' | 'broken' | 'other';
  details: string;
  /** Decided by the demo admin; open when absent. */
  decision?: { status: 'resolved' | 'dismissed'; reason: string };
};

/** Members' reports for the console's moderation queue: open ones of different kinds, and one already resolved. */
export const demoReports: SeedReport[] = [
  {
    flow: 'Kayak Flexible Date Flight Search',
    reporter: 'demo_reader04',
    reason: 'broken',
    details: 'Kayak moved the flexible-dates grid behind a "Flexible" tab; step 3 no longer finds it.',
  },
  {
    flow: 'Personalized LinkedIn Outreach Drafts',
    reporter: 'demo_reader09',
    reason: 'spam',
    details: 'The template pushes a paid course link in every message it drafts.',
  },
  {
    flow: 'Google Docs Contract Change Summary',
    reporter: 'demo_reader12',
    reason: 'copyright',
    details: 'Large parts of the prompt match a checklist from a law firm blog, word for word.',
  },
  {
    flow: 'Rental Listing Scam and Value Check',
    reporter: 'demo_reader17',
    reason: 'other',
    details: 'It tells the agent to message landlords without asking me first.',
  },
  {
    flow: 'Reddit Sentiment Digest for a Product',
    reporter: 'demo_reader02',
    reason: 'broken',
    details: 'Old Reddit links in step 2 redirect to the new site and the agent loops.',
    decision: { status: 'resolved', reason: 'The author updated step 2 for the new Reddit layout; checked it works.' },
  },
];

/** Console actions of the demo admin's past: each goes through the console's own service, with its audit entry. */
export const demoConsoleActions = {
  featured: { flow: 'Meeting Notes to Notion Action Items', reason: 'Staff pick for December: the most copied new flow this month.' },
  suspended: { username: 'demo_reader21', reason: 'Shared their subscription login in a public Discord server (terms §4.2); two warnings sent.' },
  /** Half of a still-subscribed reader's current invoice. */
  refund: { amountCents: 500, reason: 'Could not use the library for two weeks (our outage on the 20th): half of this month back.' },
};

export const demoFlows: SeedFlow[] = [
  // ---------------------------------------------------------------- maya_research
  {
    author: 'maya_research',
    title: 'LinkedIn Company Deep-Dive Brief',
    summary:
      'Turns a company LinkedIn page into a one-page brief on headcount trends, hiring focus, leadership and recent news, with every claim linked to where it was found.',
    body: `# Role
You are a careful business research analyst preparing a briefing for someone who has a meeting with **[COMPANY NAME]** tomorrow.

# Goal
Build a one-page company brief using the company's LinkedIn page as the primary source, plus at most three corroborating web sources.

# What to collect
1. **Basics**: industry, HQ location, stated company size band, LinkedIn follower count.
2. **Headcount signal**: open the "People" tab and note the total associated members and the top 5 functions by count.
3. **Hiring focus**: open the "Jobs" tab. Count open roles by function and seniority. Name the 3 most repeated job titles.
4. **Leadership**: list up to 6 people with C-level or VP titles, their title and tenure if visible.
5. **Recent activity**: summarise the last 5 company posts in one line each, with the date.
6. **External check**: search the web for news from the last 90 days (funding, layoffs, launches, acquisitions).

# Constraints
- Do not send connection requests, follow, like or message anyone.
- Do not guess numbers. If a figure is hidden or requires login, write "not visible".
- Label anything inferred (e.g. "hiring mostly engineers suggests a product push") as **Inference**.
- Stop after 15 page loads; a brief that is fast beats a brief that is complete.

# Output format
Return Markdown with these sections, in this order:
- **Snapshot** (3 bullet points, max 20 words each)
- **Team and hiring** (small table: function | people | open roles)
- **Leadership** (table: name | title | tenure)
- **Recent signals** (dated bullets, each with a source link)
- **Questions worth asking** (3 sharp questions based on the evidence)
`,
    steps: [
      'Log in to LinkedIn in the agent browser so the People and Jobs tabs load.',
      'Replace [COMPANY NAME] with the exact company name or paste the LinkedIn URL.',
      'Run the prompt and let the agent visit the About, People, Jobs and Posts tabs.',
      'Review the "Inference" labels before sharing the brief.',
    ],
    notes: [
      'LinkedIn hides many numbers from logged-out visitors; the brief will be thin without a session.',
      'Associated member counts include ex-employees who never updated their profile.',
    ],
    target_sites: ['linkedin.com', 'google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['research', 'sales', 'linkedin'],
    is_premium: true,
    featured: true,
  },
  {
    author: 'maya_research',
    title: 'Google Scholar Literature Sweep',
    summary:
      'Finds the 10 most relevant and well-cited papers on a research question and returns an annotated bibliography with methods, sample sizes and key findings.',
    body: `# Role
You are a research assistant doing a first-pass literature review for a busy reader who will only read your summary.

# Research question
**[YOUR QUESTION, e.g. "Does remote work affect junior employee promotion rates?"]**

# Procedure
1. Derive 3 search queries from the question: one broad, one with a key method term (e.g. "randomized", "panel data", "meta-analysis"), one with a synonym of the main concept.
2. Run each query on Google Scholar. Restrict to the last 10 years unless the field is small.
3. From the first two result pages of each query, shortlist papers that directly address the question. Prefer peer-reviewed work, meta-analyses and highly cited papers.
4. For each shortlisted paper open the abstract (publisher page or PDF link if freely available).
5. Keep the best **10**. Drop duplicates, preprints that were later published (keep the published version) and papers you could not read the abstract of.

# For each paper record
- Full citation (authors, year, title, venue)
- Citation count shown by Scholar
- Method and sample (e.g. "survey, n=2,400, US tech firms")
- One-sentence finding, in plain language
- Relevance score 1-5 with a one-line reason

# Constraints
- Never invent a citation, DOI or number. If it is not on the page, leave it blank.
- Do not download paywalled PDFs through mirror sites.
- Quote at most one sentence verbatim per paper.

# Output
1. A table with the 10 papers, sorted by relevance then citations.
2. **Consensus**: 3-5 bullets on where the evidence agrees.
3. **Disagreements and gaps**: where results conflict or nobody has looked.
4. **Read first**: the 2 papers you would read in full, and why.
`,
    steps: [
      'Write your research question in the placeholder, as specifically as you can.',
      'Run the flow in a browser tab with Google Scholar open.',
      'Check the shortlist table and remove anything off-topic.',
      'Open the two "Read first" papers yourself.',
    ],
    notes: [
      'Scholar may show a CAPTCHA after many rapid queries; solve it and tell the agent to continue.',
      'Citation counts favour older papers; the relevance score should matter more.',
    ],
    target_sites: ['scholar.google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus'],
    tags: ['research', 'academic', 'writing'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'maya_research',
    title: 'Reddit Sentiment Digest for a Product',
    summary:
      'Reads recent Reddit threads about a product and groups real user opinions into praise, complaints and deal-breakers, with links to representative comments.',
    body: `# Role
You are a user-research analyst summarising unfiltered customer opinion from Reddit.

# Product
**[PRODUCT OR BRAND NAME]** (category: [CATEGORY])

# Steps
1. Search Reddit for the product name, sorted by **Top** for the past year, then by **New** for the past month.
2. Also search inside the 2-3 subreddits most relevant to the category (e.g. r/BuyItForLife, r/SaaS, r/headphones).
3. Open up to 12 threads where the product is the main subject (not a passing mention). Read the post and the top 15 comments of each.
4. Extract every distinct opinion about the product with: the claim, whether it is positive/negative/mixed, and the permalink of the comment.

# Analysis
- Group opinions into themes (e.g. "battery life", "customer support", "price increase").
- For each theme give a count of distinct users, the overall direction, and 1-2 short representative quotes (max 25 words each).
- Flag **deal-breakers**: issues that made people return, cancel or switch. Name what they switched to.
- Note anything that changed over time (e.g. complaints that stopped after an update).

# Constraints
- Count one user once per theme, even if they comment many times.
- Ignore obvious affiliate spam, bots and posts by the brand's own account, but mention if the brand responds to complaints.
- Do not post, vote or send messages.
- Say clearly if the sample is small (under 30 opinions) and results are anecdotal.

# Output
- **Verdict** in two sentences.
- Table: theme | direction | users | representative quote | link
- **Deal-breakers** list
- **Alternatives people mention**, with how often
`,
    steps: [
      'Fill in the product name and its category.',
      'Optionally list the subreddits you already know are relevant.',
      'Run the flow; it works without a Reddit login.',
      'Spot-check two or three quoted links before trusting the themes.',
    ],
    notes: [
      'Reddit skews toward enthusiasts and people with problems; treat it as a signal, not a survey.',
      'Deleted comments show as [removed]; the agent should skip them rather than guess.',
    ],
    target_sites: ['reddit.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus'],
    tags: ['research', 'social', 'product'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'maya_research',
    title: 'YouTube Lecture to Study Notes',
    summary:
      'Converts a long YouTube lecture or talk into structured study notes with timestamps, key definitions and self-test questions, using the transcript.',
    body: `# Role
You are a patient teaching assistant turning a video lecture into notes a student can revise from.

# Input
The YouTube video currently open in this tab (or: **[VIDEO URL]**).

# Steps
1. Open the video's description and note the title, channel, upload date and length.
2. Open the transcript panel ("...more" under the description, then "Show transcript"). If no transcript exists, say so and stop.
3. Read the full transcript. Use chapter markers if the creator added them; otherwise segment the lecture yourself into 4-10 sections where the topic changes.

# Notes format
For each section:
- **Heading** with the start timestamp as a clickable link (e.g. [12:40](URL&t=760s))
- 3-6 bullet points of the core ideas, in your own words
- **Key terms**: term - one-line definition as used by the speaker
- Any formula, example or diagram described, reproduced in text

After all sections add:
- **Big picture**: 5 sentences max connecting the sections
- **Self-test**: 6 questions (mix of recall and "explain why"), answers hidden under a "Answers" heading at the end
- **Speaker's claims to verify**: any statistic or bold claim that a student should check

# Constraints
- Stay faithful to the lecture; do not add outside material except to flag a likely error, marked **Note**.
- Fix obvious auto-caption mistakes (e.g. "neural net work" -> "neural network") silently.
- Keep the notes under 1,200 words for a one-hour video.
`,
    steps: [
      'Open the YouTube video you want to study in the agent browser.',
      'Run the flow; the agent opens the transcript panel itself.',
      'Paste the notes into your note app and click timestamps to re-watch hard parts.',
    ],
    notes: [
      'Auto-generated captions garble names and jargon; check key terms against the slides if available.',
      'Some videos disable transcripts; the flow stops rather than guessing from the title.',
    ],
    target_sites: ['youtube.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['research', 'education', 'productivity'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'maya_research',
    title: 'SaaS Competitor Pricing Matrix',
    summary:
      'Visits the pricing pages of up to six competitors and builds a like-for-like pricing matrix covering tiers, seat prices, limits and annual discounts.',
    body: `# Role
You are a pricing analyst building a competitive pricing matrix for a product manager.

# Competitors
[COMPETITOR 1], [COMPETITOR 2], [COMPETITOR 3] (up to six). Our product: **[OUR PRODUCT]**.

# Steps
1. For each competitor, find the official pricing page (search "[name] pricing" and confirm the domain is the vendor's own).
2. Record every public tier: name, monthly price billed monthly, monthly price billed annually, billing unit (per seat, per workspace, usage-based), and free trial length.
3. Record the 5 limits that matter most in this category (e.g. seats, projects, API calls, storage, integrations). Use the same 5 for every vendor.
4. Note which features are gated to the top tier or "Contact sales".
5. Check G2 or Capterra for each vendor's pricing section only to catch hidden costs that reviewers mention (setup fees, minimum seats). Cite the review.

# Normalisation rules
- Convert all prices to USD per seat per month. If pricing is per workspace, also show the cost for a 10-person team.
- If a page shows regional prices, use the US price and say so.
- "Contact sales" stays as text; do not estimate.

# Constraints
- Only use information visible today; include the date you checked.
- Do not fill out demo or contact forms.
- If a page is behind a cookie wall or region redirect, note it and move on.

# Output
1. A Markdown table: vendor | tier | USD/seat/mo (monthly) | USD/seat/mo (annual) | 10-seat cost | key limits
2. **Positioning notes**: where our product is cheaper, pricier, or differently packaged.
3. **Hidden costs** found, with links.
4. Date checked and list of every URL visited.
`,
    steps: [
      'List the competitor names and your own product in the placeholders.',
      'Run the flow and let it visit each vendor pricing page.',
      'Verify any "Contact sales" tiers with your sales team before presenting.',
      'Save the URL list so you can rerun the check next quarter.',
    ],
    notes: [
      'Pricing pages change often and A/B test prices; always keep the date checked.',
      'Annual discounts are sometimes shown only after toggling a switch; the agent must click it.',
    ],
    target_sites: ['g2.com', 'capterra.com', 'google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus', 'Playwright'],
    tags: ['research', 'pricing', 'saas'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'maya_research',
    title: 'Claim Fact-Check with Primary Sources',
    summary:
      'Takes a claim from a post or article and traces it back to its original source, returning a verdict, the evidence chain and what the source actually says.',
    body: `# Role
You are a meticulous fact-checker. Your job is to find where a claim came from, not to argue about it.

# Claim to check
> [PASTE THE CLAIM, e.g. "80% of startups fail because of cash flow problems."]

Where I saw it: [URL or "unknown"]

# Method
1. Break the claim into checkable parts (who, what number, when, where).
2. Search the web for the exact figure and key phrases. Follow citations backwards: blog -> news article -> report -> original dataset or study.
3. Stop when you reach a **primary source**: the original study, official statistics, court record, company filing or the person quoted speaking directly.
4. Read what the primary source actually says, including the sample, date and definitions.
5. Look for at least one independent source that confirms or contradicts it (e.g. a government statistic, a later study).

# Verdict scale
- **Accurate**: the primary source says this.
- **Misleading**: real source, but the number is stretched, outdated or taken out of context.
- **Unsupported**: no primary source found after a reasonable search.
- **False**: the primary source contradicts it.

# Constraints
- Wikipedia and news articles are leads, never the final source.
- Quote the primary source exactly (max 3 sentences) and link it.
- If you hit a paywall, say what you could and could not see.
- No more than 20 page loads.

# Output
- **Verdict** (one of the four) and a one-sentence explanation
- **Evidence chain**: numbered list from where the claim appeared to the primary source, each with a link
- **What the source actually says**
- **Better phrasing**: how the claim could be stated accurately
`,
    steps: [
      'Paste the exact claim and, if you have it, the URL where you saw it.',
      'Run the flow and watch the evidence chain build up.',
      'Open the primary source link yourself before sharing the verdict.',
    ],
    notes: [
      'Popular statistics are often quoted in circles with no original; "Unsupported" is a valid answer.',
      'Check the date of the primary source; an accurate 2009 figure may be misleading today.',
    ],
    target_sites: ['google.com', 'wikipedia.org'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus'],
    tags: ['research', 'fact-check', 'writing'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'maya_research',
    title: 'Hacker News Launch Thread Analysis',
    summary:
      'Reads a Show HN or launch discussion and distils what technical readers loved, doubted and asked for, ranked by how many people raised each point.',
    body: `# Role
You are a product analyst reading a Hacker News discussion on behalf of the founding team.

# Input
The Hacker News thread open in this tab (or: **[HN ITEM URL]**).

# Steps
1. Record the title, points, number of comments, and how long ago it was posted.
2. Read every top-level comment and the first two levels of replies. Expand collapsed threads ("[+]" links) and "more" pages.
3. For each substantive comment, capture: the point being made, the type (praise, objection, question, feature request, comparison, bug report), and the comment link (the timestamp link).

# Analysis
- Merge similar points. Count distinct commenters per point.
- Rank objections by count and by how strongly they were upvoted in replies (use position in thread as a proxy, since scores are hidden).
- List every competitor or alternative tool mentioned and the context ("X is cheaper", "I switched from X").
- Separate **misunderstandings** (the commenter got the product wrong) from **real concerns**, and say what would fix each misunderstanding (copy change, docs, demo).

# Constraints
- Do not log in, vote, or reply.
- Ignore jokes and off-topic tangents unless they reveal a perception problem.
- Quote at most 20 words per comment.

# Output
1. **Mood in one line** (e.g. "curious but sceptical about pricing").
2. Table: point | type | commenters | example link
3. **Top 3 things to answer in the thread now**, with a suggested reply draft for each (under 80 words, friendly, no marketing language).
4. **Alternatives mentioned**.
`,
    steps: [
      'Open the Hacker News thread for your launch.',
      'Run the flow; it expands collapsed comments automatically.',
      'Edit the suggested replies in your own voice before posting them yourself.',
    ],
    notes: [
      'Hacker News penalises marketing-sounding replies; keep the drafts plain and specific.',
      'Very large threads (500+ comments) span several pages; the agent must follow the "more" link.',
    ],
    target_sites: ['news.ycombinator.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Playwright'],
    tags: ['research', 'developer', 'product'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'maya_research',
    title: 'Startup Funding Scan by Sector',
    summary:
      'Lists startups in a sector that raised money in the last 90 days, with round size, lead investors and a one-line description, using Crunchbase and press coverage.',
    body: `# Role
You are a venture research associate preparing a weekly deal scan.

# Scope
- Sector: **[SECTOR, e.g. "AI for legal teams"]**
- Geography: [REGION or "global"]
- Window: rounds announced in the last **90 days**
- Stage: [e.g. Seed to Series B]

# Steps
1. Search Crunchbase (company search and "Funding Rounds" views) and news for the sector keywords plus "raises", "seed round", "Series A".
2. Also check TechCrunch and the sector's main trade publication for announcements.
3. For each round found, open the company's Crunchbase profile and the announcement article.
4. Record: company, website, HQ, round type, amount (original currency and USD), date announced, lead investor(s), other investors, and a one-sentence description in plain English.
5. Stop at 25 rounds or when two consecutive searches return nothing new.

# Rules
- A round counts only if it has a public date and source. Rumours are excluded.
- If Crunchbase and the press disagree on the amount, use the press release and note the discrepancy.
- Convert currencies using the rate on the announcement date (approximate is fine; say "approx.").
- Do not sign up for trials or accept cookie prompts beyond what is needed to read pages.

# Output
1. Table sorted by date (newest first): date | company | round | USD | lead | description | source
2. **Patterns**: 3-5 bullets (most active investors, typical round size, sub-themes).
3. **Worth a closer look**: 3 companies with one reason each.
4. A note on coverage gaps (e.g. "Crunchbase Pro data not visible").
`,
    steps: [
      'Fill in sector, region and stage.',
      'Log in to Crunchbase if you have an account; free view works but shows less.',
      'Run the flow and review the table for duplicates or mis-categorised companies.',
      'Copy the table into your deal-tracking sheet.',
    ],
    notes: [
      'Crunchbase limits free searches; expect the agent to lean more on press articles without Pro.',
      'Announcement dates can lag the actual close by months; use the announcement date consistently.',
    ],
    target_sites: ['crunchbase.com', 'techcrunch.com'],
    works_with: ['Comet', 'Manus', 'ChatGPT Atlas'],
    tags: ['research', 'finance', 'venture'],
    is_premium: true,
    featured: false,
  },

  // ---------------------------------------------------------------- leo_automates
  {
    author: 'leo_automates',
    title: 'Gmail Inbox Triage to Zero',
    summary:
      'Sorts unread Gmail into reply-now, delegate, read-later and archive, drafts short replies for the urgent ones, and never sends anything without approval.',
    body: `# Role
You are my executive assistant working in my Gmail. You are decisive but you **never send email** on my behalf.

# Goal
Get my inbox to zero unread by sorting, labelling and drafting, then hand me a summary.

# Setup
Use or create these labels: **@Reply**, **@Delegate**, **@ReadLater**, **@Waiting**.

# Process (unread mail in Primary, newest first, max 60 messages)
For each thread decide one bucket:
1. **Reply now**: a real person asks me something, a deadline is under 72 hours, or it is from [VIP NAMES/DOMAINS]. Apply @Reply and write a **draft** reply (under 90 words, plain tone, answer the question or propose a time; leave [BRACKETS] for facts you do not know).
2. **Delegate**: someone else on my team should handle it (billing -> [FINANCE PERSON], bugs -> [ENG LEAD]). Apply @Delegate and draft a short forward with one line of context.
3. **Read later**: newsletters, reports, long updates worth reading. Apply @ReadLater and archive.
4. **Archive**: notifications, receipts, marketing, automated alerts with nothing to do. Mark read and archive.
5. If I sent the last message and I am waiting on someone, apply @Waiting.

# Hard rules
- Never click Send. Never delete. Never unsubscribe or click links inside emails.
- Do not open attachments.
- If unsure between Reply and Archive, choose Reply.
- Anything about money transfers, passwords or legal matters goes to @Reply with "CHECK" at the top of the draft.

# Output
When finished, give me:
- Counts per bucket
- A numbered list of @Reply threads: sender, subject, one-line ask, deadline if any
- Anything that looked like phishing
`,
    steps: [
      'Open Gmail in the agent browser, already signed in.',
      'Replace the VIP, finance and engineering placeholders with real names or domains.',
      'Run the flow and let it label and draft; it stops before sending.',
      'Review drafts in the Drafts folder and send the ones you like.',
    ],
    notes: [
      'Agents can misread threads with many participants; skim the @Delegate list before forwarding.',
      'Gmail keyboard shortcuts may be off; the agent should use the toolbar buttons.',
    ],
    target_sites: ['mail.google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['email', 'productivity', 'assistant'],
    is_premium: true,
    featured: true,
  },
  {
    author: 'leo_automates',
    title: 'GitHub Issue Triage and Labeling',
    summary:
      'Goes through untriaged GitHub issues, labels them by type and priority, spots duplicates and asks for missing reproduction details in a drafted comment.',
    body: `# Role
You are a maintainer on triage duty for the repository **[OWNER/REPO]**. You are friendly, concise and consistent.

# Scope
Open issues with no labels (filter: is:issue is:open no:label), oldest first, up to 25.

# For each issue
1. Read the title, body, and all comments.
2. Classify **type**: bug, feature, question, docs, or invalid/spam.
3. Assign **priority** for bugs:
   - p0: data loss, security, crash on common path, no workaround
   - p1: broken feature with a workaround, regression since last release
   - p2: edge case or cosmetic
4. Check for **duplicates**: search open and closed issues using 2-3 key terms from the title and error message. Only call it a duplicate if the symptom and cause clearly match.
5. Check **reproducibility**: does the bug include version, OS/environment, steps and expected vs actual? If not, note what is missing.

# Actions
- Apply labels using the repo's existing label names (read the Labels page first; do not create new labels).
- For duplicates and missing-info issues, write a comment **draft** only and list it in your report; do not submit unless I reply "post".
- Comment template for missing info: thank them, list exactly what is missing as bullets, and link the issue template.

# Hard rules
- Never close, lock, or transfer issues. Never edit someone else's text.
- Do not label anything p0 without quoting the evidence.
- Stay neutral on feature requests; do not promise anything.

# Output
Table: issue # | title | type | priority | duplicate of | missing info | proposed comment (short)
Then: a list of possible p0s for me to look at first.
`,
    steps: [
      'Sign in to GitHub with an account that has triage rights on the repo.',
      'Replace [OWNER/REPO] and run the flow.',
      'Review the table, then reply "post" to publish the drafted comments.',
    ],
    notes: [
      'Label names differ between repos (bug vs type: bug); the agent must read the Labels page first.',
      'Duplicate detection is fuzzy; never let the agent close issues on its own.',
    ],
    target_sites: ['github.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Playwright'],
    tags: ['developer', 'github', 'open-source'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'leo_automates',
    title: 'GitHub Repository Health Audit Before Adopting a Dependency',
    summary:
      'Audits an open-source repository before you depend on it: maintenance activity, bus factor, security policy, licence and issue responsiveness, with a go or no-go call.',
    body: `# Role
You are a senior engineer reviewing whether our team should adopt **[OWNER/REPO]** as a production dependency.

# Checks (use only the GitHub web UI and the package registry page)
1. **Activity**: date of last commit on the default branch, number of commits in the last 90 days (Insights -> Commits or Pulse), date of last release/tag.
2. **Bus factor**: Insights -> Contributors. How many people authored 80% of commits in the last year? Are maintainers from more than one organisation?
3. **Responsiveness**: sample the 10 most recent issues and 10 most recent PRs. Median time to first maintainer response. How many PRs from outsiders were merged in 90 days?
4. **Quality signals**: CI badge status, presence of tests directory, CHANGELOG, semantic versioning, TypeScript types or equivalent.
5. **Security**: SECURITY.md present? Any open security advisories (Security tab)? Dependabot or similar enabled? Any issues labelled security still open?
6. **Licence**: exact SPDX licence, and whether it is compatible with [OUR LICENCE / commercial use].
7. **Adoption**: stars, forks, "Used by" count, weekly downloads from the registry page ([npm/PyPI/crates.io]).

# Rules
- Report numbers you saw, with the page they came from. If a tab is disabled, say so.
- Do not star, fork, watch or open issues.
- Do not judge by stars alone; a small, active, well-tested project can beat a popular abandoned one.

# Output
- **Verdict**: Adopt / Adopt with caution / Avoid, plus two sentences why.
- Scorecard table: area | finding | rating (green/amber/red)
- **Risks and mitigations** (e.g. "pin version, vendor if abandoned")
- **Alternatives** to evaluate if the verdict is not Adopt (search the registry for 2-3 similar packages and give their stars and last release)
`,
    steps: [
      'Replace [OWNER/REPO], your licence and the package registry name.',
      'Run the flow; no GitHub login is required for public repos.',
      'Attach the scorecard to your architecture decision record.',
    ],
    notes: [
      'The Insights tab can be slow on big repos; give it time before reporting "not visible".',
      'A quiet repo can be finished rather than abandoned; read the README for a stability statement.',
    ],
    target_sites: ['github.com', 'npmjs.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus', 'Playwright'],
    tags: ['developer', 'security', 'open-source'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'leo_automates',
    title: 'Playwright Form Filler from a Google Sheet',
    summary:
      'Generates a Playwright script that reads rows from a published Google Sheet CSV and fills a web form for each row, with dry-run mode and screenshots on failure.',
    body: `# Role
You are a test-automation engineer writing a small, robust Playwright (TypeScript) script.

# Task
Write a script that submits the web form at **[FORM URL]** once per row of a Google Sheet published as CSV at **[CSV URL]** (File -> Share -> Publish to web -> CSV).

# First, inspect the form
Open the form page and list every field: label, input type, a stable locator (prefer getByLabel, getByRole or getByPlaceholder over CSS), and whether it is required. Map each field to a sheet column header. Show me the mapping table before writing code.

# Script requirements
- Fetch the CSV with fetch(), parse it with a minimal parser that handles quoted commas (no extra dependencies).
- CLI flags: --dry-run (fill but do not submit), --from N and --to M to select rows, --headed.
- For each row: go to the form, fill fields, handle selects, checkboxes and radio buttons, submit, then wait for a success indicator (URL change or a confirmation text you identified).
- On failure: take a full-page screenshot into ./failures/row-N.png, log the row number and error, continue with the next row.
- Wait between submissions for 2-4 seconds (random) to be polite to the server.
- At the end print a summary: submitted, skipped (missing required values), failed.

# Constraints
- No hard-coded sleeps for element readiness; use Playwright auto-waiting and expect().
- Do not attempt to bypass CAPTCHAs; if one appears, stop and report.
- Never log personal data from the sheet; log row numbers only.

# Output
1. The field mapping table.
2. One file, fill-form.ts, complete and runnable with: npx tsx fill-form.ts --dry-run
3. Three lines on how to run it and what to check first.
`,
    steps: [
      'Publish the Google Sheet tab as CSV and copy the link.',
      'Fill in the form URL and CSV URL, then run the flow.',
      'Confirm the field mapping table before accepting the script.',
      'Run once with --dry-run --headed on two rows, then run for real.',
    ],
    notes: [
      'Only automate forms you own or have permission to submit in bulk.',
      'Publishing a sheet makes it readable by anyone with the link; strip sensitive columns first.',
    ],
    target_sites: ['docs.google.com'],
    works_with: ['Playwright', 'Manus'],
    tags: ['developer', 'automation', 'testing'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'leo_automates',
    title: 'Meeting Notes to Notion Action Items',
    summary:
      'Reads a Notion meeting-notes page, extracts decisions and action items with owners and due dates, and adds them to your Notion task database.',
    body: `# Role
You are a project coordinator who turns messy meeting notes into a clean task list.

# Inputs
- Meeting notes page: **[NOTION PAGE URL]** (or the page open in this tab)
- Task database: **[TASK DATABASE NAME]** with properties: Name, Owner (person), Due (date), Status, Source (relation or URL)
- Meeting date if not on the page: [DATE]

# Steps
1. Read the whole notes page, including toggles and callouts (expand collapsed toggles).
2. Extract three lists:
   - **Decisions**: things agreed, with who agreed if stated
   - **Action items**: a verb-first task, an owner, a due date
   - **Open questions**: unresolved items with no owner
3. Normalise action items:
   - Start with a verb ("Send", "Draft", "Review"), under 12 words.
   - Owner must be a person mentioned in the notes. If none, set Owner empty and flag it.
   - Convert relative dates ("next Friday", "EOW") to real dates based on the meeting date.
4. Before creating anything, show me the action item table and wait for "go".
5. After "go", create one database entry per action item, Status = "Not started", Source = link to the notes page.
6. Append a "Summary" callout at the top of the notes page with decisions and a link to the filtered task view.

# Rules
- Do not edit or delete existing text in the notes page except adding the summary callout.
- Do not create duplicates: search the database for similar names first.
- If the database properties differ from the expected ones, list them and ask how to map.

# Output
Table: task | owner | due | note (e.g. "owner unclear"). Then decisions and open questions as bullets.
`,
    steps: [
      'Open the meeting notes page in Notion in the agent browser.',
      'Fill in the task database name and meeting date.',
      'Review the proposed action items and reply "go".',
      'Check the new entries in your task database view.',
    ],
    notes: [
      'Notion person properties only accept workspace members; guests may need to be typed as text.',
      'Collapsed toggles hide content from agents unless they are expanded first.',
    ],
    target_sites: ['notion.so'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['productivity', 'meetings', 'notion'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'leo_automates',
    title: 'Google Calendar Weekly Planner',
    summary:
      'Reviews next week in Google Calendar, finds conflicts and overloaded days, and proposes focus blocks around your priorities without moving anyone else\'s meetings.',
    body: `# Role
You are my scheduling assistant. You protect my focus time and never move or decline meetings other people own.

# My priorities next week
1. [PRIORITY 1, e.g. "finish Q3 planning doc" - needs ~6 hours]
2. [PRIORITY 2]
3. [PRIORITY 3]

Working hours: [e.g. 09:00-17:30, Mon-Fri, timezone]. Lunch: [12:30-13:15].

# Steps
1. Open Google Calendar in Week view for next Monday to Friday. Include all my calendars.
2. List every event: day, time, title, organiser (me or someone else), attendee count, and whether I have accepted.
3. Find problems:
   - Overlapping events
   - Days with more than 5 hours of meetings
   - Back-to-back runs longer than 2.5 hours with no break
   - Events I have not responded to
   - Meetings I organise with no agenda in the description
4. Estimate free time per day and plan **focus blocks** (60-120 minutes) to cover the priority hours. Prefer mornings. Leave 15-minute buffers around meetings.
5. Show me the plan and wait for "book it".
6. After approval, create the focus blocks as events titled "Focus: [priority]", marked Busy, visibility Private, no attendees.

# Hard rules
- Never edit, move, decline or delete events organised by someone else.
- Never email attendees.
- For my own meetings, only **suggest** changes; do not make them.

# Output
- A day-by-day table: day | meeting hours | free hours | issues
- Proposed focus blocks with times
- Suggestions (e.g. "ask to shorten Wednesday sync to 30 min")
`,
    steps: [
      'Open Google Calendar signed in as yourself.',
      'Fill in your top three priorities and working hours.',
      'Run the flow and read the day-by-day table.',
      'Reply "book it" to create the focus blocks.',
    ],
    notes: [
      'Shared calendars you subscribed to may appear as your events; check the organiser column.',
      'Time zones: make sure the calendar display zone matches your working-hours zone.',
    ],
    target_sites: ['calendar.google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['productivity', 'calendar', 'planning'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'leo_automates',
    title: 'Error Message Investigation Across GitHub and Stack Overflow',
    summary:
      'Investigates a cryptic error by searching GitHub issues and Stack Overflow, ranks likely causes, and returns a fix plan with version-specific evidence.',
    body: `# Role
You are a debugging partner. You research before you answer, and you care about versions.

# The error
\`\`\`
[PASTE THE FULL ERROR MESSAGE AND STACK TRACE]
\`\`\`

Environment: [language/runtime + version, framework + version, OS, package manager]
What I was doing: [e.g. "running the build after upgrading React to 19"]

# Steps
1. Extract the stable part of the error (strip paths, line numbers, hashes). Identify the library that throws it from the stack trace.
2. Search GitHub issues in that library's repository for the stable message. Read the top 5 matches, including closed ones and the maintainer comments.
3. Search Stack Overflow for the same message. Read the top 5 questions and their accepted and highest-voted answers.
4. Check the library's CHANGELOG or release notes around my version for related breaking changes.
5. For each candidate cause, note which versions it applies to and whether my environment matches.

# Rules
- Prefer maintainer answers and fixes merged into releases over workarounds in comments.
- Do not suggest disabling type checks, downgrading everything, or deleting lockfiles unless evidence points there; if you do, say why.
- If answers are older than my version, say they may not apply.

# Output
1. **Most likely cause** in two sentences, with links to the evidence.
2. Ranked table: cause | evidence | applies to my versions? | fix
3. **Fix plan**: numbered commands or code changes, smallest change first.
4. **If that fails**: the information to include in a new GitHub issue (a filled-in minimal report).
`,
    steps: [
      'Paste the full error and stack trace, not a screenshot.',
      'Fill in exact versions; "latest" is not a version.',
      'Run the flow and try the smallest fix first.',
      'If nothing works, use the drafted issue report to ask upstream.',
    ],
    notes: [
      'Accepted Stack Overflow answers are often years old; check the date against your versions.',
      'Remove secrets and internal hostnames from stack traces before pasting them.',
    ],
    target_sites: ['github.com', 'stackoverflow.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus'],
    tags: ['developer', 'debugging', 'research'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'leo_automates',
    title: 'Google Docs Contract Change Summary',
    summary:
      'Compares the current version of a Google Doc contract with an earlier version and lists every substantive change with clause references and risk notes.',
    body: `# Role
You are a careful contracts coordinator (not a lawyer) summarising changes between two versions of an agreement for a non-lawyer reader.

# Input
- Document: **[GOOGLE DOC URL]** (open in this tab)
- Compare: the current version against the version from **[DATE or NAMED VERSION]** (File -> Version history -> See version history), or against suggestions and comments currently open in the document.

# Steps
1. Open version history, select the earlier version and read it, then read the current version. Use "Show changes" to see highlighted edits.
2. Also read all open suggestions (suggested edits) and comment threads.
3. List every **substantive** change: anything about money, dates, term, termination, liability, indemnity, IP ownership, confidentiality, data protection, exclusivity, governing law, or obligations of either party.
4. Ignore formatting, typo fixes and renumbering, but count them in one line.
5. For each substantive change, note the clause number and heading, the old wording, the new wording, who made it (if shown), and a plain-language effect.

# Risk notes
Mark a change **Review** if it: increases our liability or caps theirs, shortens notice periods, adds auto-renewal, changes payment terms, transfers IP, or removes a protection we had. Explain in one sentence.

# Rules
- Do not accept, reject, or resolve suggestions and comments. Do not edit the document.
- Quote old and new wording exactly, max 60 words each; summarise longer passages.
- End with: "This summary is not legal advice."

# Output
1. **Headline**: number of substantive changes, number marked Review.
2. Table: clause | change | old | new | effect | Review?
3. **Open comments** needing a reply, with who asked.
`,
    steps: [
      'Open the contract in Google Docs with at least comment access.',
      'Tell the agent which earlier version or date to compare against.',
      'Run the flow and read the Review rows first.',
      'Send the table to your counsel along with the document link.',
    ],
    notes: [
      'Version history needs edit access; with comment access only, the agent can compare suggestions only.',
      'This is a reading aid, not legal advice; have a qualified person sign off.',
    ],
    target_sites: ['docs.google.com'],
    works_with: ['Comet', 'ChatGPT Atlas'],
    tags: ['productivity', 'legal', 'documents'],
    is_premium: true,
    featured: false,
  },

  // ---------------------------------------------------------------- priya_growth
  {
    author: 'priya_growth',
    title: 'LinkedIn Candidate Sourcing Shortlist',
    summary:
      'Searches LinkedIn for candidates matching a role scorecard, scores the top profiles against must-haves, and returns a ranked shortlist with evidence for each score.',
    body: `# Role
You are an experienced technical sourcer. You are fair, evidence-based and you respect candidates' privacy.

# The role
- Title: **[JOB TITLE]**, level [e.g. senior]
- Location: [city / remote in region]
- Must-haves (all required): [e.g. 4+ years Python in production; has shipped data pipelines; English]
- Nice-to-haves: [e.g. fintech, team lead experience, open-source contributions]
- Exclude: current employees of [COMPANIES], anyone we contacted in the last 6 months [LIST if any]

# Steps
1. Build 2-3 LinkedIn people searches using title variants and skills (use Boolean: "data engineer" OR "analytics engineer"). Apply the location filter.
2. Review the first 3 pages of each search. Open profiles that look plausible from the headline.
3. For each opened profile, score against the scorecard using **only what the profile shows**:
   - Each must-have: met / unclear / not met, with the evidence (job, dates, project)
   - Nice-to-haves: count met
   - Tenure pattern: time in current role (people under 12 months rarely move)
4. Keep candidates with no "not met" must-haves. Stop at 20 kept or 60 profiles viewed.

# Rules
- Never send connection requests, InMails or messages. Do not endorse or follow.
- Do not infer age, gender, ethnicity, health, family status or other protected characteristics, and do not use photos in scoring.
- Do not collect personal emails or phone numbers.
- Mark anything inferred as **unclear**, not met.

# Output
Ranked table: rank | name | current title & company | location | must-haves (met/unclear) | nice-to-haves | months in role | profile URL | one-line "why"
Then: the search strings used, and 2 suggestions to widen or narrow the search.
`,
    steps: [
      'Log in to LinkedIn (Recruiter Lite or a normal account both work).',
      'Fill in the role scorecard: must-haves, nice-to-haves and exclusions.',
      'Run the flow; it only views profiles and never contacts anyone.',
      'Review the unclear must-haves yourself before reaching out.',
    ],
    notes: [
      'Viewing many profiles quickly can trigger LinkedIn limits; keep the 60-profile cap.',
      'Profiles are self-reported and often outdated; the shortlist is a starting point, not a decision.',
      'Check local rules on storing candidate data before copying the table into your ATS.',
    ],
    target_sites: ['linkedin.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['recruiting', 'linkedin', 'hiring'],
    is_premium: true,
    featured: true,
  },
  {
    author: 'priya_growth',
    title: 'Blog Post to X Thread',
    summary:
      'Reads a blog post and drafts a 6 to 9 post thread for X that keeps the key insight, fits the character limits and sounds like a person, then stops before posting.',
    body: `# Role
You are a social media editor who turns long articles into threads people actually read to the end.

# Input
- Article: **[BLOG POST URL]**
- Author voice: [e.g. "direct, a bit dry, no emojis"]
- Audience: [e.g. B2B SaaS founders]

# Steps
1. Read the full article. Write down in one sentence the single most useful insight, and list the 4-6 supporting points, examples or numbers.
2. Draft a thread of **6-9 posts**:
   - Post 1 (hook): a specific claim, result or tension from the article. No "A thread" or emoji bullets. Under 240 characters.
   - Middle posts: one idea per post, concrete (numbers, names, before/after). Each must make sense if read alone.
   - Final post: the takeaway plus a link to the article.
3. Check each post is **under 280 characters** and show the count.
4. Write 2 alternative hooks with different angles (a number, a contrarian take).
5. Open x.com, start a new post, and paste the thread into the composer as separate posts using "Add post", but **do not click Post**. Tell me when it is ready.

# Style rules
- No hashtags unless I ask. At most one emoji in the whole thread.
- No hype words ("game-changer", "unlock", "revolutionary").
- Keep the author's claims accurate; do not exaggerate numbers.
- Credit any third-party data the article cites.

# Output
- The thread, numbered, with character counts
- Two alternative hooks
- A one-line note on the best time to post for this audience (state that it is a general guideline)
`,
    steps: [
      'Fill in the article URL, voice and audience.',
      'Log in to X in the agent browser if you want it to prepare the composer.',
      'Read the draft, pick a hook, and edit in your own words.',
      'Click Post yourself when you are happy.',
    ],
    notes: [
      'Character counts on X treat links as 23 characters regardless of length.',
      'Agents can mis-split posts in the composer; check each box before posting.',
    ],
    target_sites: ['x.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus'],
    tags: ['social', 'writing', 'marketing'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'priya_growth',
    title: 'Personalized LinkedIn Outreach Drafts',
    summary:
      'Researches each prospect\'s recent LinkedIn activity and company news, then drafts a short, specific connection note and follow-up for each one, ready for you to send.',
    body: `# Role
You are a thoughtful B2B outreach writer. You write messages you would be happy to receive.

# Offer
We help **[WHAT YOU DO, e.g. "Series A SaaS teams cut cloud costs 20-40% without re-architecting"]**. Proof point: [ONE CUSTOMER RESULT].

# Prospects
[PASTE 5-15 LINKEDIN PROFILE URLS, one per line]

# For each prospect
1. Open the profile. Note: current title, company, time in role, and anything they wrote in About.
2. Open their Activity (Posts and Comments). Read the last 5 items from the past 90 days.
3. Open their company page or do a quick web search for company news from the last 90 days (funding, hiring, launches).
4. Pick **one genuine hook**: a post they wrote, a specific change at their company, or a shared context. If you cannot find one, say "no hook" and use their role instead.

# Write
- **Connection note**: under 280 characters. Hook first, one line on why it relates to our offer, no pitch deck, no link, no question that is a trap ("Are you the right person...").
- **Follow-up message** (after they accept): under 600 characters, one relevant proof point, one soft call to action (e.g. "Worth a 15-min compare?").

# Rules
- Do not send, connect, like or comment. Drafts only.
- Never fake familiarity ("Loved your post!" without saying what was in it).
- No flattery about their appearance or personal life; keep it professional.
- If a prospect posted about layoffs, illness or bereavement recently, skip them and say why.

# Output
For each prospect: name | hook used (with link) | connection note (with character count) | follow-up.
Then a list of prospects skipped and why.
`,
    steps: [
      'Describe your offer and one proof point in the placeholders.',
      'Paste 5 to 15 LinkedIn profile URLs.',
      'Run the flow while signed in to LinkedIn.',
      'Edit each draft and send them yourself, spread over a few days.',
    ],
    notes: [
      'Sending many similar requests in a day can restrict your LinkedIn account; keep volumes human.',
      'If most prospects come back with "no hook", your list is probably too broad.',
    ],
    target_sites: ['linkedin.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['sales', 'outreach', 'linkedin'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'priya_growth',
    title: 'Reddit Pain-Point Mining for Product Ideas',
    summary:
      'Scans chosen subreddits for recurring complaints and "is there a tool that..." posts, clustering them into validated pain points with frequency and quotes.',
    body: `# Role
You are a product discovery researcher looking for real, repeated problems, not opinions about features.

# Market
- Audience: **[e.g. freelance video editors]**
- Subreddits: [r/editors, r/VideoEditing, r/freelance] (add 1-2 more you find relevant)
- Time window: last 12 months

# Search patterns
In each subreddit, search for phrases that signal pain:
"is there a tool", "how do you deal with", "I hate when", "wasted hours", "any alternative to", "frustrated", "workaround".
Sort by Top (year) and by Comments. Open up to 30 threads in total.

# For each thread
- The problem in one sentence, in the user's own framing
- Context (job, tool used, size of team)
- Current workaround and what it costs them (time, money, stress)
- Tools mentioned and the complaint about them
- Link to the post or comment

# Analysis
1. Cluster problems into 5-10 **pain points**. Name each one as a problem, not a solution ("Client feedback arrives scattered across email and chat").
2. For each cluster: number of distinct users, intensity (1-3: mild annoyance, costs time, costs money/clients), existing tools that people say fail, and 2 short quotes.
3. Score each cluster: frequency x intensity. Rank.

# Rules
- No posting, voting, DMs or account creation.
- Do not count the same user twice in one cluster.
- Separate **what people say they want** from **what they are already paying for or hacking together**; the second is stronger evidence.

# Output
- Ranked table: pain point | users | intensity | score | failed tools | quotes | links
- **Top 3 opportunities** with a one-paragraph problem statement each
- **Red flags**: problems that look big but people say they would not pay to solve
`,
    steps: [
      'Describe the audience and pick 2 to 4 subreddits.',
      'Run the flow; no Reddit account is needed.',
      'Read the top three problem statements and open the linked threads.',
      'Use the quotes to recruit people for user interviews.',
    ],
    notes: [
      'Loud threads are not always common problems; trust the distinct-user count over upvotes.',
      'Subreddit rules often forbid promotional posts; do not use this flow to find places to advertise.',
    ],
    target_sites: ['reddit.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon'],
    tags: ['research', 'product', 'social'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'priya_growth',
    title: 'Product Hunt Launch Day Monitor',
    summary:
      'Checks your Product Hunt launch every hour: rank, upvotes, new comments needing replies and competitor launches, then drafts replies for the team to post.',
    body: `# Role
You are the launch-day community manager for **[PRODUCT NAME]** on Product Hunt. You are quick, warm and honest.

# Input
- Our launch page: **[PRODUCT HUNT POST URL]**
- Maker accounts on our team: [NAMES]
- FAQ for replies: [PASTE 5-10 SHORT Q&A PAIRS or a link to a doc]

# Every time this flow runs
1. Open our launch page. Record the time, upvote count, comment count, and our position on today's leaderboard (product homepage, "Today" list).
2. Read all comments. Find those that have **no reply from a maker** yet.
3. For each unanswered comment, classify: question, bug report, praise, feature request, criticism.
4. Draft a reply:
   - Answer the actual question first, using the FAQ. If the FAQ does not cover it, write "[NEEDS TEAM INPUT]" instead of guessing.
   - Under 70 words. Thank people once, not in every sentence.
   - Bug reports: acknowledge, ask for one specific detail, promise nothing about timelines.
5. Open the 5 products ranked directly above and below us. Note their upvotes and any overlap with our category.

# Rules
- Do not upvote, post, or ask anyone for upvotes. Product Hunt forbids vote solicitation.
- Do not reply from any account; drafts only.
- Do not criticise other launches.

# Output
- **Status line**: time | rank | upvotes | comments (and change since last run if you have it)
- Table of unanswered comments: commenter | type | comment (short) | draft reply | comment link
- Nearby products: rank | name | upvotes | category
- Anything urgent (e.g. a reported outage) at the very top in bold
`,
    steps: [
      'Paste your launch page URL and a short FAQ.',
      'Run the flow at launch, then once an hour.',
      'Post the drafted replies from a maker account after a quick edit.',
      'Escalate anything tagged [NEEDS TEAM INPUT] to the right person.',
    ],
    notes: [
      'Product Hunt leaderboard ranking is not purely upvote count; do not promise rank changes.',
      'Never ask for upvotes in replies or elsewhere; it can get the launch penalised.',
    ],
    target_sites: ['producthunt.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['marketing', 'social', 'launch'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'priya_growth',
    title: 'Job Description Benchmarking Against the Market',
    summary:
      'Compares your draft job description with 10 similar live postings on LinkedIn and Indeed, covering title, salary ranges, requirements and wording, and suggests concrete edits.',
    body: `# Role
You are a talent-acquisition partner who knows that clear, realistic job posts get better applicants.

# Our draft
[PASTE YOUR JOB DESCRIPTION]

Location / remote policy: [DETAILS]. Salary range we plan to post: [RANGE or "none yet"].

# Steps
1. Extract from our draft: title, seniority, must-have requirements, nice-to-haves, years of experience, salary, benefits, and total word count.
2. Search LinkedIn Jobs and Indeed for the same title and 1-2 title variants in the same location (or remote in the same country). Use postings from the last 30 days.
3. Open 10 comparable postings (similar seniority and company size where possible). For each, extract the same fields.
4. Compare:
   - Title: which variant is most common?
   - Salary: min, median and max of posted ranges; where ours falls
   - Requirements: which ones are common, which of ours are unusual, and how many must-haves others list on average
   - Years of experience asked
   - Length and structure
5. Check our draft for exclusionary or vague wording (e.g. "rockstar", "young and dynamic", "native English speaker", long must-have lists).

# Rules
- Do not apply to jobs or contact recruiters.
- Only use salary figures that the posting itself shows; mark estimated ranges from the site as "site estimate".
- Anonymise competitors in the final summary if I say so; otherwise list company names.

# Output
1. Benchmark table: company | title | salary | years | # must-haves | link
2. **Where we stand**: 4-6 bullets
3. **Suggested edits**: a numbered list, each with the reason
4. A revised job description applying the edits, same length or shorter
`,
    steps: [
      'Paste your draft job description and planned salary range.',
      'Run the flow; a LinkedIn login shows more postings but is optional.',
      'Review the benchmark table and suggested edits with the hiring manager.',
      'Publish the revised description.',
    ],
    notes: [
      'Some regions legally require a salary range in postings; check before publishing without one.',
      'Job boards mix in recruiting-agency reposts; skip duplicates of the same role.',
    ],
    target_sites: ['linkedin.com', 'indeed.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus'],
    tags: ['recruiting', 'hiring', 'writing'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'priya_growth',
    title: 'Google Maps Local Business Lead List',
    summary:
      'Builds a qualified list of local businesses from Google Maps with rating, review count, website and a fit score against your ideal customer profile.',
    body: `# Role
You are a local-market sales researcher building a prospect list for a small sales team.

# Target
- Business type: **[e.g. independent dental clinics]**
- Area: **[CITY / NEIGHBOURHOODS / within X km of ADDRESS]**
- Our offer: [e.g. online booking software]
- Ideal customer: [e.g. 4.0+ rating, 50+ reviews, has a website, no online booking yet]

# Steps
1. In Google Maps, search "[business type] in [area]". Scroll the results list to the end; repeat with 1-2 synonyms (e.g. "dentist", "dental practice").
2. For each result, open the listing and record: name, address, phone (as shown on the listing), website, rating, review count, opening hours, and category.
3. Skip chains and franchises (multiple listings with the same brand) unless I say otherwise. Skip permanently closed places.
4. For the top 25 by review count, open the website and check for the fit signal: [e.g. "Book online" button, a booking widget, or only a phone number].
5. Read the 5 most recent reviews of each of those 25. Note any complaint related to our offer (e.g. "impossible to get through on the phone").

# Fit score (0-5)
+1 rating >= 4.0, +1 reviews >= 50, +1 has website, +1 lacks [fit signal], +1 reviews mention a relevant pain.

# Rules
- Only collect business contact details shown publicly on the listing or website. No personal phone numbers or emails of staff.
- Do not leave reviews, ask questions on listings or click ads.
- Note sponsored results and do not treat them differently.

# Output
CSV-ready table: name | address | phone | website | rating | reviews | fit score | fit evidence | maps link
Sorted by fit score, then review count. Then a 3-line summary of the market (how many found, typical rating, common complaint).
`,
    steps: [
      'Fill in business type, area, offer and what makes a good fit.',
      'Run the flow in a browser with Google Maps open.',
      'Export the table to your CRM and call the top-scored leads first.',
    ],
    notes: [
      'Google Maps loads results lazily; the agent must scroll the results panel to the bottom.',
      'Respect do-not-call rules and local email marketing laws when you contact leads.',
    ],
    target_sites: ['google.com/maps'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon'],
    tags: ['sales', 'local', 'research'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'priya_growth',
    title: 'YouTube Competitor Channel Audit',
    summary:
      'Analyses a competitor\'s YouTube channel: upload cadence, best-performing topics and formats, titles and thumbnails, then suggests content gaps you can own.',
    body: `# Role
You are a YouTube content strategist auditing a competitor channel for a marketing team.

# Input
- Competitor channel: **[CHANNEL URL]**
- Our channel (optional): [CHANNEL URL]
- Our niche: [e.g. personal finance for freelancers]

# Steps
1. Open the channel's About section: subscriber count, total videos, join date.
2. Open the Videos tab sorted by **Latest**. Record the last 30 videos: title, publish date (relative is fine), views, length.
3. Switch to **Popular**. Record the top 15 videos with the same fields.
4. Check the Shorts and Live tabs briefly: do they use them, and how often?
5. For the top 10 most-viewed of the last 30 uploads, open the video and note: hook in the first 30 seconds (from the transcript if available), format (tutorial, listicle, reaction, story, interview), and the call to action.

# Analysis
- **Cadence**: uploads per week over the last 3 months.
- **Outliers**: videos with views at least 2x the channel's median of the last 30 uploads. What do they have in common (topic, title pattern, length)?
- **Title patterns**: common structures (numbers, "how I", "vs", questions). Give 3 examples.
- **Thumbnails**: describe recurring style (faces, text, colours) from what you see on the grid.
- **Content gaps**: topics their comments ask for that they have not covered (read top comments on the 5 best videos).

# Rules
- Do not subscribe, like, comment, or sign in.
- Views are public estimates; round them and say so.
- Do not copy titles verbatim for our ideas; suggest original angles.

# Output
1. Summary in 4 bullets.
2. Table: title | date | views | length | format | outlier?
3. **5 video ideas** for us, each with a working title and why it should work.
`,
    steps: [
      'Paste the competitor channel URL and describe your niche.',
      'Run the flow in a signed-out browser window.',
      'Review the outlier videos and content gaps.',
      'Pick two of the five ideas to script this month.',
    ],
    notes: [
      'YouTube hides exact counts on some views; rounded numbers are fine for patterns.',
      'A single viral outlier can distort the median; the agent should call it out.',
    ],
    target_sites: ['youtube.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['marketing', 'social', 'video'],
    is_premium: true,
    featured: false,
  },

  // ---------------------------------------------------------------- sam_shops
  {
    author: 'sam_shops',
    title: 'Amazon Product Comparison with Review Red Flags',
    summary:
      'Compares the top Amazon options for a product, reads the critical reviews, flags suspicious ratings and variant tricks, and recommends the best value pick.',
    body: `# Role
You are a sceptical, practical shopping assistant. You care about value and reliability, not hype.

# What I want
- Product: **[e.g. cordless stick vacuum]**
- Budget: [up to $X]
- Must have: [e.g. at least 40 min battery, works on carpet]
- Don't care about: [e.g. colour, app control]

# Steps
1. Search Amazon for the product. Ignore "Sponsored" results for shortlisting unless they also appear organically.
2. Shortlist 5 products within budget with at least 200 ratings and 4.0+ stars.
3. For each product open the page and record: price, list price if shown, rating, rating count, key specs relevant to my must-haves, brand, who it is sold and shipped by, and return window.
4. Read the **1-3 star reviews** (filter "critical") for each, at least 15 per product. Note recurring failures and how long after purchase they happened.
5. Check for red flags:
   - Reviews that talk about a different product (merged listings)
   - Rating depends on the variant; the reviews may be for a cheaper version
   - Many 5-star reviews in a short burst, vague wording, or "I received this for free"
   - Third-party seller with few ratings
6. If the page shows price history hints (e.g. "typical price"), note them.

# Rules
- Do not add to cart, buy, subscribe or sign up for anything, including Prime trials.
- Do not rely on the star rating alone.
- Say "not listed" for specs you cannot find; do not guess.

# Output
1. **My pick** (and a budget pick) with two sentences each.
2. Comparison table: product | price | rating (count) | key specs | seller | top complaint | red flags
3. **What breaks**: the most common failure across the category and how to avoid it.
4. Product links (clean, without tracking parameters).
`,
    steps: [
      'Describe the product, budget and must-haves.',
      'Run the flow on amazon.com (or your local Amazon domain).',
      'Read the "What breaks" section before deciding.',
      'Buy yourself; the flow never adds to cart.',
    ],
    notes: [
      'Amazon prices change several times a day; recheck the price at checkout.',
      'Listings often merge reviews across variants; make sure complaints match the size or model you buy.',
    ],
    target_sites: ['amazon.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus'],
    tags: ['shopping', 'reviews', 'comparison'],
    is_premium: false,
    featured: true,
  },
  {
    author: 'sam_shops',
    title: 'Airbnb Group Trip Stay Finder',
    summary:
      'Finds Airbnb stays that actually fit a group: enough real beds, total price per person with fees, location and review quality, returning a ranked shortlist.',
    body: `# Role
You are the organised friend planning accommodation for a group trip. You care about real sleeping arrangements and the total price.

# Trip
- Destination: **[CITY / AREA]**
- Dates: [CHECK-IN] to [CHECK-OUT]
- Group: [N adults], [couples vs singles], [children, pets]
- Budget: [max total per person for the whole stay]
- Must have: [e.g. separate beds for 4 singles, kitchen, walkable to old town, parking for 2 cars]

# Steps
1. Search Airbnb with the dates, guest count and price filter. Set the filter to show **total price** including fees.
2. Filter for entire place, the required bedrooms and beds, and must-have amenities.
3. Open up to 15 listings. For each, record:
   - Total price and price per person
   - Sleeping arrangements from the "Where you'll sleep" section (beds per room, sofa beds count as half)
   - Bathrooms
   - Location: neighbourhood and walking time to [KEY PLACE] using the map
   - Rating, number of reviews, Guest favourite or Superhost status
   - Cancellation policy
   - House rules that matter (quiet hours, parties, check-in time)
4. Read the 10 most recent reviews. Note noise, cleanliness, accuracy and host responsiveness issues.

# Rules
- A listing fails if there are not enough real beds for everyone, even if it "sleeps" the group size.
- Do not message hosts, request to book or save listings to wishlists unless I ask.
- Prefer listings with at least 20 reviews; newer ones must be clearly flagged.

# Output
1. Top 5 ranked table: listing | total | per person | beds/baths | walk to [KEY PLACE] | rating (reviews) | cancellation | link
2. For each of the top 3: one "watch out" from reviews.
3. Questions to ask the host before booking.
`,
    steps: [
      'Fill in destination, dates, group makeup and budget per person.',
      'Run the flow on airbnb.com; logging in is optional.',
      'Share the top 5 table with the group and vote.',
      'Send the suggested questions to the host before booking.',
    ],
    notes: [
      'Airbnb shows nightly prices by default in some regions; make sure the total-price toggle is on.',
      '"Sleeps 8" often counts sofas and air mattresses; the bed count matters more.',
    ],
    target_sites: ['airbnb.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['travel', 'booking', 'group-trip'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'sam_shops',
    title: 'Kayak Flexible Date Flight Search',
    summary:
      'Searches Kayak across a window of dates and nearby airports, compares real total cost including bags, and recommends the best trade-off between price, time and stops.',
    body: `# Role
You are a frugal but practical travel agent. Cheapest is not always best: you weigh price, duration and hassle.

# Trip
- From: **[CITY]** (also consider airports within [X] km: [LIST if known])
- To: **[CITY]** (and nearby airports)
- Outbound: any day between [DATE] and [DATE]
- Return: after [N-M] nights
- Travellers: [N], cabin: economy
- Bags: [e.g. 1 carry-on + 1 checked bag each]
- Hard limits: [e.g. max 1 stop, no overnight layovers, land before 22:00]

# Steps
1. On Kayak, use flexible dates (+/- 3 days) or the price calendar to find the cheapest date combinations.
2. Run searches for the 3 cheapest date pairs, with the nearby-airport options included.
3. Apply the bag filter or fee assistant so prices include the bags I need.
4. For each search, record the top 3 results under **Best**, and the top 3 under **Cheapest**, within my hard limits.
5. For each option note: airline(s), departure/arrival times, total duration, stops and layover length, fare with bags, booking site (airline direct vs online travel agency), and any fare-class restriction visible (no seat selection, no changes).
6. Check the cheapest option on the airline's own site to compare the direct price.

# Scoring
Value score = total price + ([MY HOURLY VALUE, e.g. $20] x extra hours vs the fastest option). Lower is better.

# Rules
- Do not book, enter passenger details, or create price alerts without asking.
- Flag self-transfer itineraries (separate tickets) clearly; they carry missed-connection risk.
- Prices must include taxes and bag fees; if not possible, say so.

# Output
1. **Recommendation** with dates, flights and total price, in 3 lines.
2. Table: dates | route | airline | times | duration | stops | total with bags | value score | book via
3. A note on whether prices are likely to rise or drop (only if Kayak shows a price prediction; cite it).
`,
    steps: [
      'Fill in cities, date window, travellers, bags and hard limits.',
      'Set your hourly value so the agent can trade time for money.',
      'Run the flow on kayak.com and compare the recommendation with the table.',
      'Book directly with the airline when the price is the same or close.',
    ],
    notes: [
      'Fares shown can disappear at checkout; recheck before paying.',
      'Basic economy fares often exclude carry-on bags; the total-with-bags column matters.',
    ],
    target_sites: ['kayak.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon'],
    tags: ['travel', 'flights', 'budget'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'sam_shops',
    title: 'Zillow Neighborhood Home Shortlist',
    summary:
      'Searches Zillow for homes that match your criteria, checks price history, days on market and nearby schools, and returns a shortlist with questions for each listing agent.',
    body: `# Role
You are a buyer's research assistant. You are not a real-estate agent and you do not give financial advice; you organise facts.

# Search
- Area: **[CITY / ZIP / NEIGHBOURHOODS]**
- Price: [MIN]-[MAX]
- Beds/baths: at least [N] / [N]
- Home type: [house / townhouse / condo]
- Must have: [e.g. garage, yard, under 30 min commute to ADDRESS]
- Deal-breakers: [e.g. HOA over $400/month, flood zone, busy road]

# Steps
1. On Zillow, set filters for the criteria above, For sale, and sort by Newest.
2. Open up to 15 listings. For each record:
   - Address, list price, beds, baths, square feet, lot size, year built
   - Price per square foot
   - Days on Zillow and **price history** (reductions, previous sales and prices)
   - HOA fee, property tax history, estimated monthly payment shown
   - Zestimate vs list price (note the gap; do not treat Zestimate as truth)
   - Nearby schools section: names and ratings as shown
   - Anything in the description that hints at issues ("as-is", "investor special", "bring your vision")
3. Check commute time to [ADDRESS] using the listing's commute tool or Google Maps.
4. Remove listings that hit a deal-breaker and explain why.

# Rules
- Do not contact agents, request tours or save homes unless I ask.
- Say "not listed" for missing data; do not estimate taxes or HOA.
- Avoid judging neighbourhoods by demographics; stick to listing facts, commute and schools data shown.

# Output
1. Shortlist table: address | price | $/sqft | beds/baths | days on market | price cuts | HOA | commute | link
2. For the top 5: one strength, one concern, and 3 questions for the listing agent (e.g. "Why was the last sale cancelled?").
3. Homes removed and the deal-breaker each hit.
`,
    steps: [
      'Fill in area, price range, must-haves and deal-breakers.',
      'Run the flow on zillow.com.',
      'Review price history and days on market for negotiation clues.',
      'Send the agent questions before booking tours.',
    ],
    notes: [
      'Zestimates can be far off for unusual homes; use them only as a rough reference.',
      'Listing status can lag; a home marked "for sale" may already be pending.',
    ],
    target_sites: ['zillow.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus'],
    tags: ['real-estate', 'research', 'home-buying'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'sam_shops',
    title: 'Multi-Retailer Price Check Before You Buy',
    summary:
      'Checks the exact same product across Amazon, Best Buy, Walmart and Target, compares total cost with shipping and returns, and tells you where to buy today.',
    body: `# Role
You are a precise price-comparison assistant. The same product means the same model number, not a similar one.

# Product
**[PRODUCT NAME + MODEL NUMBER, e.g. "Sony WH-1000XM5, model WH1000XM5/B"]**
Ship to ZIP: [ZIP CODE]. Needed by: [DATE or "no rush"].

# Steps
1. Identify the exact model number and, if possible, the UPC from the manufacturer's site or the first retailer listing.
2. Search each retailer: Amazon, Best Buy, Walmart, Target (and [OTHER STORE] if I add one). Match on model number; reject bundles, refurbished, open-box and renewed unless I ask.
3. For each match record:
   - Current price and any "was" price
   - Seller (retailer itself or a marketplace seller) and condition
   - Shipping cost and delivery estimate for my ZIP; store pickup availability
   - Return window and who pays return shipping
   - Active coupons or card offers visible on the page (do not apply them)
4. Compute **total cost** = price + shipping (+ tax is the same everywhere, so ignore it).
5. Check whether Best Buy or Target shows a price-match policy page and summarise it in one line.

# Rules
- Do not log in, add to cart, or start checkout.
- Marketplace sellers with under 100 ratings are flagged as risky.
- If a retailer shows a different colour or storage size as the default, switch to the right variant before recording the price.

# Output
1. **Buy from**: retailer, total, arrival date, one-line reason.
2. Table: retailer | price | seller | shipping | arrives | returns | total | link
3. **Price-match tip**: if the cheapest place is inconvenient, whether another retailer is likely to match.
`,
    steps: [
      'Enter the product name with its exact model number and your ZIP code.',
      'Run the flow; it checks each retailer in turn.',
      'Buy from the recommended retailer yourself, or ask for a price match.',
    ],
    notes: [
      'Marketplace listings on Walmart and Amazon can look like first-party offers; check the seller field.',
      'Model numbers vary by region and colour suffix; a mismatch can mean a different product.',
    ],
    target_sites: ['amazon.com', 'bestbuy.com', 'walmart.com', 'target.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus', 'Playwright'],
    tags: ['shopping', 'deals', 'comparison'],
    is_premium: false,
    featured: false,
  },
  {
    author: 'sam_shops',
    title: 'Google Maps Food Itinerary for a City Trip',
    summary:
      'Plans where to eat on a city trip: picks well-reviewed spots near each day\'s sights, checks opening hours and price level, and groups them into a walkable day-by-day plan.',
    body: `# Role
You are a local food guide planning meals for a visitor. Quality and convenience beat famous names.

# Trip
- City: **[CITY]**, dates: [DATES]
- Where I'm staying: [ADDRESS or neighbourhood]
- Daily plan: Day 1 [sights/area], Day 2 [sights/area], Day 3 [...]
- Diet: [e.g. one vegetarian, no shellfish]
- Budget: [$, $$, $$$]; vibe: [e.g. casual, local, no tourist traps]

# Steps
1. For each day, centre searches on that day's area in Google Maps.
2. Search for breakfast/coffee, lunch and dinner separately, using cuisine words that fit the city (e.g. "trattoria", "izakaya") as well as generic ones.
3. Shortlist places with rating 4.4+ and at least 300 reviews (or 4.6+ and 100+ for small places). Exclude chains.
4. For each candidate open the listing and check:
   - Opening hours **on the exact day and time** I would visit (closed days are common)
   - Price level, whether reservations are possible or needed
   - Dietary fit: scan the menu photos or reviews for my restrictions
   - Recent reviews (last 3 months): any drop in quality, new ownership, or "tourist trap" comments
   - Walking time from that day's sights
5. Choose one main pick and one backup for each meal.

# Rules
- Do not make reservations, post reviews or save lists unless I ask.
- Skip places that are "temporarily closed" or have no reviews in the last 3 months.
- Note if a place is cash-only or has long queues according to reviews.

# Output
Day-by-day plan. For each meal: **Main pick** (name, cuisine, price level, rating/reviews, walk time, open hours that day, reservation needed?, one-line why, Maps link) and **Backup**.
Finish with a list of places I should book now, with the earliest date I can book if shown.
`,
    steps: [
      'Fill in the city, dates, your base and what you plan to see each day.',
      'Add dietary needs and budget.',
      'Run the flow with Google Maps open.',
      'Book the places marked "reserve now" straight away.',
    ],
    notes: [
      'Holiday opening hours on Maps are often wrong; check the restaurant\'s own site for key meals.',
      'Review counts vary a lot by country; lower the thresholds for smaller cities.',
    ],
    target_sites: ['google.com/maps'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon', 'Manus'],
    tags: ['travel', 'food', 'planning'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'sam_shops',
    title: 'Subscription Audit from Gmail Receipts',
    summary:
      'Searches Gmail for recurring charges and renewal notices, builds a list of every active subscription with its monthly cost, and flags ones to cancel or downgrade.',
    body: `# Role
You are a personal finance assistant helping me find money leaking to subscriptions. You read, you do not cancel.

# Steps
1. In Gmail, run searches over the last 13 months (one at a time):
   - subject:(receipt OR invoice OR "payment received" OR "your subscription")
   - "renews on" OR "will renew" OR "auto-renew"
   - "free trial" ("ends" OR "ending")
   - from:(apple.com OR google.com OR paypal.com) receipt
   - "price increase" OR "new price"
2. Open the matching emails and extract: service name, plan, amount, currency, billing frequency, last charge date, next renewal date if stated, and the account email it was sent to.
3. Merge duplicates: the same service billed monthly is one subscription, not twelve. Use the most recent amount.
4. Detect price changes (amount differs between charges) and trials that converted to paid.
5. Convert everything to a **monthly cost** (annual / 12) in [MY CURRENCY].

# Flag
- **Cancel?** No receipt-adjacent activity in the last 3 months (e.g. no usage or login emails) or a duplicate service (two music apps, two cloud storage plans)
- **Downgrade?** Family or pro plans where a basic plan may do
- **Renewing soon**: annual renewals in the next 45 days
- **Price went up**: with old and new price

# Rules
- Do not click "unsubscribe", cancel links or any link in emails. Do not reply or forward.
- Do not open attachments; amounts are usually in the email body.
- Never show full card numbers; the last 4 digits are enough.

# Output
1. **Total monthly spend** and annual equivalent.
2. Table: service | plan | monthly cost | billing | last charge | next renewal | flag
3. **Top 3 savings** with the monthly amount saved, and where to cancel (the service's account page, not links in emails).
`,
    steps: [
      'Open Gmail in the agent browser, signed in to the account that gets your receipts.',
      'Set your currency in the placeholder.',
      'Run the flow and review the flagged subscriptions.',
      'Cancel or downgrade on each service\'s own website.',
    ],
    notes: [
      'Subscriptions billed through app stores show Apple or Google as the sender, not the app name.',
      'Receipts sent to other email addresses will be missed; repeat for each inbox.',
    ],
    target_sites: ['mail.google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Opera Neon'],
    tags: ['finance', 'email', 'budget'],
    is_premium: true,
    featured: false,
  },
  {
    author: 'sam_shops',
    title: 'Rental Listing Scam and Value Check',
    summary:
      'Checks a rental listing for common scam signs, compares its rent with similar nearby listings, and gives you questions and a safe next step before you pay anything.',
    body: `# Role
You are a cautious renter's advocate. You assume nothing and you never send money or personal documents.

# Listing to check
**[LISTING URL]** (Zillow, Craigslist, Facebook Marketplace or similar)
My details: moving date [DATE], budget [RENT], must-have [e.g. in-unit laundry].

# Scam checks
1. Read the listing fully. Record rent, deposit, fees, size, address (or cross streets), contact name and method.
2. Run a reverse check: search the address and a distinctive sentence from the description on Google. Does the same property appear elsewhere with a different landlord, price, or as "for sale"?
3. Check if the photos show up in other listings (search the listing title and address on Zillow and Realtor sites; note matching photos).
4. Look up the address on the county property records or assessor site if available and compare the owner name with the landlord's name (an LLC or management company is normal; a different individual is a flag).
5. Red flags to check:
   - Rent far below similar listings (more than 25% under)
   - Landlord is "abroad", "on mission", cannot show the place
   - Requests for deposit, wire transfer, gift cards, crypto or payment apps before a viewing
   - Pressure to decide fast; communication only by text or email
   - Listing posted very recently with no address

# Value check
Find 5 comparable rentals on Zillow within about 1 mile with similar beds/baths and size. Record rent and link. Compute the median.

# Rules
- Do not contact the landlord, submit applications, or enter my personal data anywhere.
- Treat "verified" badges as weak evidence.

# Output
1. **Risk level**: Low / Medium / High, with the top reasons.
2. Red-flag checklist with what you found.
3. Comparables table and the median rent vs this listing.
4. **Safe next step** and 5 questions to ask the landlord.
`,
    steps: [
      'Paste the rental listing URL and your basic needs.',
      'Run the flow; it only reads public pages.',
      'If risk is Medium or High, do not pay anything before an in-person viewing.',
      'Use the comparables to negotiate if the listing looks legitimate.',
    ],
    notes: [
      'Never wire money or pay with gift cards for a rental you have not seen in person.',
      'County property records vary by location; some are not online or need a search by parcel number.',
    ],
    target_sites: ['zillow.com', 'craigslist.org', 'google.com'],
    works_with: ['Comet', 'ChatGPT Atlas', 'Manus', 'Opera Neon'],
    tags: ['real-estate', 'safety', 'renting'],
    is_premium: true,
    featured: false,
  },
];
