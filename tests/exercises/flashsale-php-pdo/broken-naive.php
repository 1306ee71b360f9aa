<?php
// The starter: the stock read, then taken in another statement, while others read it too.
// expect: FAIL nothing oversold | guarded
//     PHP_CLI_SERVER_WORKERS=8 php -S 127.0.0.1:25011 buy.php
// Answers 201 with the order when the buyer got the item, 409 when the product is sold out.
// Right for one buyer at a time. What about sixteen at once?

const DSN = 'mysql:host=127.0.0.1;port=25010;dbname=flash_sale';

/** Charges the buyer for an order. The payment service takes a while (about 150 ms). */
function pay(int $user, int $order): void
{
    file_get_contents("http://127.0.0.1:25012/pay?user=$user&order=$order");
}

$pdo = new PDO(DSN, 'shop', '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$user = (int) ($_POST['user'] ?? 0);
$product = (int) ($_POST['product'] ?? 0);

$read = $pdo->prepare('SELECT stock FROM products WHERE id = ?');
$read->execute([$product]);
if ((int) $read->fetchColumn() <= 0) {
    http_response_code(409);
    echo "sold out\n";
    return;
}
$pdo->prepare('UPDATE products SET stock = stock - 1 WHERE id = ?')->execute([$product]);
$pdo->prepare('INSERT INTO orders (user, product, created_at) VALUES (?, ?, UNIX_TIMESTAMP(NOW(6)))')
    ->execute([$user, $product]);
$order = (int) $pdo->lastInsertId();
pay($user, $order);
http_response_code(201);
echo "ordered $order\n";
