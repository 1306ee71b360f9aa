# Correct, in an unusual style: asyncio streams, one task per client.
# expect: PASS
import asyncio

async def serve(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 25004)
    async with server:
        await server.serve_forever()

asyncio.run(main())
