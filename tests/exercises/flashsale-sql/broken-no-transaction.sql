-- Broken on purpose: guarded, but not one transaction: a busy retry runs the first statements twice.
-- expect: FAIL no buyer holds two orders | one transaction
UPDATE products SET stock = stock - 1 WHERE id = :product AND stock > 0;
INSERT INTO orders (user, product, created_at) SELECT :user, :product, julianday('now') WHERE changes() = 1;
INSERT INTO stock_ledger (product, order_id, change, stock_after)
    SELECT :product, last_insert_rowid(), -1, stock FROM products WHERE id = :product AND changes() = 1;
