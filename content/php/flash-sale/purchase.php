<?php
// One purchase with PDO on MySQL (MariaDB), the guarded way: the UPDATE itself checks
// `stock > 0` and takes the item under the row's lock, and the order is written in the same
// short transaction. No SELECT first: under REPEATABLE READ it would read a snapshot and lock
// nothing, and fifteen buyers would all see "1 left".
//
//     $pdo = new PDO('mysql:host=127.0.0.1;port=3306;dbname=shop', 'shop', 'secret',
//                    [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
//     $order = buy($pdo, $user, $product);    // the order's number, or null when sold out

function buy(PDO $pdo, int $user, int $product): ?int
{
    $pdo->beginTransaction();
    try {
        $take = $pdo->prepare('UPDATE products SET stock = stock - 1 WHERE id = ? AND stock > 0');
        $take->execute([$product]);
        if ($take->rowCount() !== 1) {      // nothing taken: sold out
            $pdo->rollBack();
            return null;
        }
        $pdo->prepare('INSERT INTO orders (user, product) VALUES (?, ?)')
            ->execute([$user, $product]);
        $order = (int) $pdo->lastInsertId();
        // The row stays locked until COMMIT: nothing slow (a payment, a call to another
        // service) belongs before it, or every other buyer of this product waits for it.
        $pdo->commit();
        return $order;
    } catch (Throwable $error) {
        $pdo->rollBack();                   // nothing half-done: no stock taken without its order
        throw $error;
    }
}
