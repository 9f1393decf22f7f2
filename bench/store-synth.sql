-- Fills a freshly migrated herald database with :n synthetic items
-- (run by bench/extra-store.sh through the sqlite3 shell; a measurement
-- fixture, not product code). 1000 feeds; one item a minute going back
-- from 2024-06-01; titles of 6 and summaries of 30 words drawn from a
-- skewed 40,000-word vocabulary ("w123"); "gaza" in every 10th item,
-- which is also tagged israel-hamas (the common term and topic);
-- "zyxwvut" in exactly 5 items (the rare term).
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
INSERT INTO feeds (id, url, name, created)
 WITH RECURSIVE f(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM f WHERE i < 1000)
 SELECT i, 'http://127.0.0.1:8431/feeds/' || i || '.xml', 'feed ' || i, 0 FROM f;
INSERT INTO items (id, story_key, guid, link, canon, title, summary,
 published, hash, first_seen, last_seen)
 WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N),
 r AS (SELECT i, 1717200000 - i * 60 AS t FROM s)
 SELECT i, 'f:' || (i % 1000 + 1) || ':g:' || i, 'g' || i,
  'https://news' || (i % 1000 + 1) || '.example/story/' || i,
  'https://news' || (i % 1000 + 1) || '.example/story/' || i,
  CASE WHEN i % 10 = 0 THEN 'gaza ' ELSE '' END ||
  CASE WHEN i IN (1000, 250000, 500000, 750000, 990000) THEN 'zyxwvut ' ELSE '' END ||
  printf('w%d w%d w%d w%d w%d w%d',
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200)),
  printf('w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d',
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200)) || ' ' ||
  printf('w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d w%d',
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200), (abs(random()) % 200) * (abs(random()) % 200),
   (abs(random()) % 200) * (abs(random()) % 200)),
  t, 'h' || i, t, t
 FROM r;
INSERT INTO item_sources (item_id, feed_id, feed_key, hash, first_seen)
 SELECT id, CAST(substr(story_key, 3, instr(substr(story_key, 3), ':') - 1) AS INTEGER),
  'g:' || guid, hash, first_seen FROM items;
INSERT INTO item_tags (item_id, topic, version, score, threshold, evidence,
 tagged_at, item_time)
 SELECT id, 'israel-hamas', 'synthetic', 3.0, 2.0, '[]', first_seen, published
 FROM items WHERE id % 10 = 0;
INSERT INTO items_fts (items_fts) VALUES ('rebuild');
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
