-- Broken on purpose: the ledger's stock_after is the stock before the purchase, not after it.
-- expect: FAIL the ledger tells the true story | stock_after outside
BEGIN IMMEDIATE;
UPDATE products SET stock = stock - 1 WHERE id = :product AND stock > 0;
INSERT INTO orders (user, product, created_at) SELECT :user, :product, julianday('now') WHERE changes() = 1;
INSERT INTO stock_ledger (product, order_id, change, stock_after)
    SELECT :product, last_insert_rowid(), -1, stock + 1 FROM products WHERE id = :product AND changes() = 1;
COMMIT;
