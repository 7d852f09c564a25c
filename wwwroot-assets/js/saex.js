// SaeExplorer's only JavaScript module, imported by BrowserInterop.

// Saves a file sent from the server as a stream (DotNetStreamReference) under the given name.
export async function downloadFile(fileName, contentType, streamReference) {
    const buffer = await streamReference.arrayBuffer();
    const url = URL.createObjectURL(new Blob([buffer], { type: contentType }));
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = fileName;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    // Revoke after the click has been handled; revoking at once can cancel the download in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Plotly (4.6 MB) is loaded by the first page that plots, not by every page before the app starts: loading it up
// front kept the first page blank for seconds. Resolves once window.Plotly exists; one script element however often asked.
let plotly;
export function ensurePlotly(src) {
    if (window.Plotly) return Promise.resolve();
    plotly ??= new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = () => resolve();
        script.onerror = () => { plotly = undefined; reject(new Error(`could not load ${src}`)); };
        document.head.appendChild(script);
    });
    return plotly;
}
