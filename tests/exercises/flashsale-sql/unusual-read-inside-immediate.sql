-- Correct, in an unusual style: read, then write, but inside BEGIN IMMEDIATE, which takes the write lock first, so no one else reads in between.
-- expect: PASS
BEGIN IMMEDIATE;
INSERT INTO orders (user, product, created_at)
    SELECT :user, :product, julianday('now') FROM products WHERE id = :product AND stock > 0;
UPDATE products SET stock = stock - 1 WHERE id = :product AND changes() = 1;
INSERT INTO stock_ledger (product, order_id, change, stock_after)
    SELECT :product, last_insert_rowid(), -1, stock FROM products WHERE id = :product AND changes() = 1;
COMMIT;
