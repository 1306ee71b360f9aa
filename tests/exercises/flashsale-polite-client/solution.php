<?php
// Reference solution. Buys one item from the flash-sale shop, politely.
//     php buy.php

const SHOP = 'http://127.0.0.1:25008/buy';

/** One POST /buy; returns [status, headers, body as an array]. */
function ask(): array
{
    $context = stream_context_create(['http' => [
        'method' => 'POST',
        'header' => "Content-Type: application/json\r\n",
        'content' => json_encode(['user' => 7, 'product' => 1]),
        'ignore_errors' => true,   // a 4xx answer is an answer too
        'timeout' => 5,
    ]]);
    $body = file_get_contents(SHOP, false, $context);
    $status = (int) explode(' ', $http_response_header[0])[1];
    return [$status, $http_response_header, json_decode($body, true)];
}

$backoff = 0.5;
for ($try = 0; $try < 5; $try++) {
    [$status, $headers, $body] = ask();
    if ($status === 201) {
        echo "ordered {$body['order']}\n";
        exit(0);
    }
    if ($status === 409) {
        echo "sold out\n";
        exit(0);
    }
    if ($status !== 429) {
        echo "refused: $status\n";
        exit(1);
    }
    $advice = null;
    foreach ($headers as $header) {
        if (stripos($header, 'Retry-After:') === 0) {
            $advice = (float) trim(substr($header, strlen('Retry-After:')));
        }
    }
    if ($advice !== null) {
        usleep((int) ($advice * 1000000));
    } else {
        usleep((int) ($backoff * 1000000));
        $backoff *= 2;
    }
}
echo "gave up: the shop stayed busy\n";
exit(1);
